// PKCE (RFC 7636, S256) and the OAuth `state` for the browser login. Web APIs only (crypto.getRandomValues,
// crypto.subtle). Sizes as the Codex CLI uses them (codex-rs/login/src/pkce.rs, server.rs; REPORTED).
import { toBase64Url } from "../auth/base64url.ts";

export interface Pkce {
  verifier: string;
  challenge: string;
}

/** base64url of `bytes` random bytes. */
export const randomToken = (bytes: number): string => toBase64Url(crypto.getRandomValues(new Uint8Array(bytes)));

/** The S256 challenge of a verifier: base64url(SHA-256(verifier)). */
export const challengeFor = async (verifier: string): Promise<string> =>
  toBase64Url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));

/** A fresh verifier (64 random bytes, 86 characters) and its challenge. */
export const createPkce = async (): Promise<Pkce> => {
  const verifier = randomToken(64);
  return { verifier, challenge: await challengeFor(verifier) };
};
