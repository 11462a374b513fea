// The one failure type of login/logout/status: its message is the single line the user sees (what happened and
// what to do), so it never carries a token, a code verifier or a response body.

export class LoginError extends Error {
  override name = "LoginError";
}

/** A short, printable reason for an I/O or network error: its code (ENOENT, EACCES…) or its name. */
export const describeCause = (error: unknown): string => {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && /^[A-Za-z0-9_]{1,40}$/.test(code)) return code;
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  if (typeof cause === "string" && /^[A-Za-z0-9_]{1,40}$/.test(cause)) return cause;
  return error instanceof Error ? error.name : "error";
};
