// KeyValueStore over Redis for the session caches (issue #10 items 1–2): namespaced keys whose session part is
// hashed, sliding TTL via GETEX, values bounded in size; a failing Redis reads as a miss and never fails a request.
import { createHash } from "node:crypto";
import { MAX_VALUE_BYTES, type KeyValueStore } from "../../src/session/store.ts";
import type { Logger } from "../../src/log.ts";
import type { OutageReporter } from "./redis-outage.ts";
import type { RedisClient } from "./redis-client.ts";

export interface RedisStoreOptions {
  client: RedisClient;
  /** Key namespace, e.g. `godex:v1:`. */
  prefix: string;
  /** --cache-ttl: a hit extends the entry by this much, as in the in-memory store. */
  ttlMs: number;
  outage: OutageReporter;
  logger: Logger;
  maxValueBytes?: number;
}

/**
 * `instructions:<session>` → `<prefix>instructions:<sha256 of "<session>">`, `call:<session>:<id>` →
 * `<prefix>call:<sha256 of "<session>:<id>">`: Redis never sees a session key (a user id, an IP) in clear.
 */
export const toRedisKey = (prefix: string, key: string): string => {
  const colon = key.indexOf(":");
  const kind = colon > 0 ? key.slice(0, colon) : "entry";
  return `${prefix}${kind}:${createHash("sha256")
    .update(key.slice(colon + 1))
    .digest("base64url")}`;
};

export const createRedisStore = (options: RedisStoreOptions): KeyValueStore => {
  const { client, prefix, ttlMs, outage } = options;
  const maxBytes = options.maxValueBytes ?? MAX_VALUE_BYTES;
  const run = async <T>(command: () => Promise<T>): Promise<T | undefined> => {
    try {
      const result = await command();
      outage.succeeded();
      return result;
    } catch (error) {
      outage.failed(error);
      return undefined;
    }
  };
  return {
    async get<T>(key: string) {
      const text = await run(() => client.getEx(toRedisKey(prefix, key), { type: "PX", value: ttlMs }));
      if (typeof text !== "string") return undefined;
      try {
        return JSON.parse(text) as T;
      } catch {
        return undefined; // not ours (or truncated): a miss
      }
    },
    async set(key, value, entryTtlMs) {
      const text = JSON.stringify(value);
      if (text === undefined) return;
      const bytes = text.length * 3 <= maxBytes ? text.length : new TextEncoder().encode(text).length;
      if (bytes > maxBytes) {
        options.logger.debug("value too large for the Redis store; not cached", { bytes, maxBytes });
        return;
      }
      await run(() => client.set(toRedisKey(prefix, key), text, { expiration: { type: "PX", value: entryTtlMs } }));
    },
    async delete(key) {
      await run(() => client.del(toRedisKey(prefix, key)));
    },
  };
};
