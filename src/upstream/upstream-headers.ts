// Headers of every upstream call, built per call from the current credentials: the ones the official Codex CLI
// sends (docs/backend.md §4.1, §13.2 [OBSERVED]): originator, a User-Agent in its format naming the pinned CLI's
// version, and session-id / thread-id. Those two are derived from the session key, never the key itself (it may be
// a `user` value or the client's IP address).
import type { Credentials } from "../auth/types.ts";

/** The Codex CLI version the proxy presents itself as (the client suite's pinned CLI). */
export const CODEX_CLI_VERSION = "0.169.0";

/** In the CLI's format, `<originator>/<version> (<os>; <arch>) <terminal> (<originator>; <version>)` (§13.2); Cloudflare may block unusual ones (§4.1). */
export const UPSTREAM_USER_AGENT = `codex_cli_rs/${CODEX_CLI_VERSION} (Linux; x86_64) godex-proxy (codex_cli_rs; ${CODEX_CLI_VERSION})`;

/** FNV-1a (32 bit) of `text` from a given offset basis. */
const fnv1a = (text: string, basis: number): number => {
  let hash = basis;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
};

/**
 * A stable, UUID-shaped tag for a session key (the CLI sends its thread UUID): 128 bits from four FNV-1a passes.
 * Not reversible in practice, but not a secret either: it only keeps the raw key off the wire.
 */
export const sessionUuid = (sessionKey: string): string => {
  const hex = [0x811c9dc5, 0x050c5d1f, 0x1b873593, 0x7fd652ad].map((basis) => fnv1a(`godex:${sessionKey}`, basis).toString(16).padStart(8, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((Number.parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

/** `forward` (the official client's Codex headers, http/official-client.ts) replaces the proxy's own; the credentials are always the proxy's. */
export const toUpstreamHeaders = (credentials: Credentials, sessionKey: string, forward?: Record<string, string>): Headers => {
  const id = sessionUuid(sessionKey);
  const headers = new Headers({
    "content-type": "application/json",
    accept: "text/event-stream",
    originator: "codex_cli_rs",
    "user-agent": UPSTREAM_USER_AGENT,
    "session-id": id,
    "thread-id": id,
  });
  if (forward !== undefined) for (const [name, value] of Object.entries(forward)) headers.set(name, value);
  headers.set("authorization", `Bearer ${credentials.accessToken}`);
  if (credentials.accountId) headers.set("chatgpt-account-id", credentials.accountId);
  return headers;
};
