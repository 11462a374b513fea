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

/** user → x-openclaw-session-key → prompt_cache_key → session_id/session-id/x-session-id → remote IP → "anonymous". */
export const toSessionKey = (signals: SessionSignals): string =>
  text(signals.user) ??
  text(signals.headers.get("x-openclaw-session-key")) ??
  text(signals.promptCacheKey) ??
  text(signals.headers.get("session_id")) ??
  text(signals.headers.get("session-id")) ??
  text(signals.headers.get("x-session-id")) ??
  text(signals.remoteAddress) ??
  "anonymous";

/** A short, stable, non-reversible tag for logs (FNV-1a, 32 bit): session keys never appear in full. */
export const hashSessionKey = (key: string): string => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, "0").slice(0, 6);
};
