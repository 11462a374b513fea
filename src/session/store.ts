// The key-value store behind the session caches: async get/set with a per-entry sliding TTL (issue #10 item 1).
// The in-memory default is bounded (LRU) and uses no timers: expiry is checked on access (spec §9.4).

export interface KeyValueStore {
  /** The value, or undefined when absent or expired; a hit refreshes the entry's TTL. */
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
}

interface Entry {
  value: unknown;
  ttlMs: number;
  expiresAt: number;
}

/** A bounded in-memory store: Map insertion order is the LRU order. */
export const createMemoryStore = (options: { maxEntries: number; now: () => number }): KeyValueStore & { size(): number } => {
  const entries = new Map<string, Entry>();
  const lookup = (key: string): Entry | undefined => {
    const entry = entries.get(key);
    if (!entry) return undefined;
    entries.delete(key);
    const now = options.now();
    if (entry.expiresAt <= now) return undefined;
    entry.expiresAt = now + entry.ttlMs;
    entries.set(key, entry);
    return entry;
  };
  return {
    get: async <T>(key: string) => lookup(key)?.value as T | undefined,
    set: async (key, value, ttlMs) => {
      entries.delete(key);
      entries.set(key, { value, ttlMs, expiresAt: options.now() + ttlMs });
      while (entries.size > options.maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done) break;
        entries.delete(oldest.value);
      }
    },
    delete: async (key) => {
      entries.delete(key);
    },
    size: () => entries.size,
  };
};
