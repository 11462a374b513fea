// Which conversation a request belongs to (spec §9.1, issue #4 item 2): the first non-blank signal wins.

export interface SessionSignals {
  user?: unknown;
  promptCacheKey?: unknown;
  headers: Headers;
  remoteAddress?: string;
}

const text = (value: unknown): string | undefined => {
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
};

/**
 * user → x-openclaw-session-key → prompt_cache_key → session_id/session-id/x-session-id → remote IP → "anonymous",
 * each in its own namespace (`user:`, `hdr:`, `pck:`, `ip:`; red team D11): a client that sends `user: "127.0.0.1"`
 * does not reach the conversation of the client at that address, nor a header's value a `user`'s.
 */
export const toSessionKey = (signals: SessionSignals): string => {
  const user = text(signals.user);
  if (user !== undefined) return `user:${user}`;
  const openclaw = text(signals.headers.get("x-openclaw-session-key"));
  if (openclaw !== undefined) return `hdr:${openclaw}`;
  const cacheKey = text(signals.promptCacheKey);
  if (cacheKey !== undefined) return `pck:${cacheKey}`;
  const header = text(signals.headers.get("session_id")) ?? text(signals.headers.get("session-id")) ?? text(signals.headers.get("x-session-id"));
  if (header !== undefined) return `hdr:${header}`;
  const address = text(signals.remoteAddress);
  return address !== undefined ? `ip:${address}` : "anonymous";
};

/** A short, stable, non-reversible tag for logs (FNV-1a, 32 bit): session keys never appear in full. */
export const hashSessionKey = (key: string): string => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, "0").slice(0, 6);
};
