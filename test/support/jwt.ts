// Fake unsigned JWTs shaped like the fixture tokens (fixtures/codex/README.md "Auth fixtures", spec §2.3).
// base64url without padding; the signature segment is base64url("fake-signature-for-tests-only").

const HEADER = { alg: "RS256", kid: "fixture-key-1", typ: "JWT" };
const SIGNATURE_TEXT = "fake-signature-for-tests-only";

/** Encodes UTF-8 text as base64url without padding (web APIs only, so it runs on Node, Bun and Deno). */
export function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Decodes base64url (padding optional) to UTF-8 text; throws on malformed input. */
export function fromBase64Url(segment: string): string {
  const base64 = segment.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
  return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
}

/** Builds `header.payload.signature` with the fixture header and the fake signature. */
export function makeJwt(payload: Record<string, unknown>): string {
  return [toBase64Url(JSON.stringify(HEADER)), toBase64Url(JSON.stringify(payload)), toBase64Url(SIGNATURE_TEXT)].join(".");
}

/** Decodes the payload segment of a JWT without verifying anything; throws if it is not a JSON object. */
export function readJwtPayload(token: string): Record<string, unknown> {
  const parts = token.split(".");
  if (parts.length !== 3 || parts[1] === undefined || parts[1] === "") throw new Error("not a JWT: expected three segments");
  const payload: unknown = JSON.parse(fromBase64Url(parts[1]));
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) throw new Error("JWT payload is not a JSON object");
  return payload as Record<string, unknown>;
}
