// The key-value store behind the session caches: async get/set with a per-entry sliding TTL (issue #10 item 1).
// The in-memory default is bounded (LRU) and uses no timers: expiry is checked on access (spec §9.4).

export interface KeyValueStore {
  /** The value, or undefined when absent or expired; a hit restarts the entry's TTL (sliding expiry; "refresh" means only the token). */
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
}

interface Entry {
  value: unknown;
  ttlMs: number;
  expiresAt: number;
  /** What the entry is counted as against the byte budget (approxBytes). */
  bytes: number;
}

/** Largest value cached (1 MiB of JSON text), in memory as in Redis: a cap on what one client can park (red team D5). */
export const MAX_VALUE_BYTES = 1024 * 1024;

/** A value's size as cached: its JSON text's length (a string's own length), plus its key and a fixed overhead. */
const approxBytes = (key: string, value: unknown): number =>
  64 + key.length + (typeof value === "string" ? value.length : (JSON.stringify(value)?.length ?? 0));

/**
 * A bounded in-memory store: Map insertion order is the LRU order. Bounded by count (`maxEntries`) and by bytes
 * (`maxBytes`, red team D5: 10,000 sessions × 50 KB prompts were 0.5 GB); a value over MAX_VALUE_BYTES is not kept.
 */
export const createMemoryStore = (options: {
  maxEntries: number;
  maxBytes?: number;
  now: () => number;
}): KeyValueStore & { size(): number; bytes(): number } => {
  const entries = new Map<string, Entry>();
  const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
  let total = 0;
  const remove = (key: string) => {
    const entry = entries.get(key);
    if (entry === undefined) return;
    entries.delete(key);
    total -= entry.bytes;
  };
  const lookup = (key: string): Entry | undefined => {
    const entry = entries.get(key);
    if (!entry) return undefined;
    const now = options.now();
    if (entry.expiresAt <= now) {
      remove(key);
      return undefined;
    }
    entries.delete(key);
    entry.expiresAt = now + entry.ttlMs;
    entries.set(key, entry);
    return entry;
  };
  return {
    get: async <T>(key: string) => lookup(key)?.value as T | undefined,
    set: async (key, value, ttlMs) => {
      remove(key);
      const bytes = approxBytes(key, value);
      if (bytes > MAX_VALUE_BYTES) return;
      entries.set(key, { value, ttlMs, expiresAt: options.now() + ttlMs, bytes });
      total += bytes;
      while (entries.size > options.maxEntries || total > maxBytes) {
        const oldest = entries.keys().next();
        if (oldest.done) break;
        remove(oldest.value);
      }
    },
    delete: async (key) => remove(key),
    size: () => entries.size,
    bytes: () => total,
  };
};
