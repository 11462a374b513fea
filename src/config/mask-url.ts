// A Redis URL as it may be shown: in an error line, a log field, /health.

/** `redis://user:secret@host` → `redis://user:***@host`: a password never reaches an error line or a log. */
export const maskUrlPassword = (text: string): string => text.replace(/^([a-z]+:\/\/[^/@:]*:)[^/@]*@/i, "$1***@");
