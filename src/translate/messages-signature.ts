// Thinking-block signatures the proxy issues (issue 17 items 2 and 4): the backend's encrypted reasoning rides in
// the signature, so a later turn that sends the block back can replay it as a `reasoning` item (spec §4.6, §4.8).

/** Marks a signature as ours; Anthropic's own signatures are plain base64 and never contain a colon. */
const PREFIX = "godex:reasoning:v1:";

/** The signature for one reasoning item's `encrypted_content`. */
export const toThinkingSignature = (encryptedContent: string): string => PREFIX + encryptedContent;

/** The `encrypted_content` inside a signature this proxy issued, or undefined for any other value. */
export const fromThinkingSignature = (signature: unknown): string | undefined => {
  if (typeof signature !== "string" || !signature.startsWith(PREFIX)) return undefined;
  const blob = signature.slice(PREFIX.length);
  return blob === "" ? undefined : blob;
};
