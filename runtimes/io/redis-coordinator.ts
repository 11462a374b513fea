// RefreshCoordinator over Redis (issue #10 item 3, spec §3.4 "Concurrency"): a SET NX PX lock released only by
// its owner, a "credentials changed" channel, and with --share-credentials the tokens sealed with AES-GCM.
import { randomUUID } from "node:crypto";
import { openTokens, sealTokens } from "../../src/auth/sealed-tokens.ts";
import type { RefreshCoordinator, SharedTokens } from "../../src/auth/types.ts";
import type { Logger } from "../../src/log.ts";
import type { RedisClient } from "./redis-client.ts";
import type { OutageReporter } from "./redis-outage.ts";

/** Deletes the lock only while it still holds our owner id (it may have expired and been taken by another). */
const RELEASE_SCRIPT = 'if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end';

export interface RedisCoordinatorOptions {
  client: RedisClient;
  /** A second connection: a subscribed Redis connection runs no other commands. */
  subscriber: RedisClient;
  /** Key and channel namespace, e.g. `godex:v1:`. */
  prefix: string;
  /** --share-credentials: the key that seals the tokens. Absent: no token ever goes into Redis. */
  sealKey?: CryptoKey;
  outage: OutageReporter;
  logger: Logger;
  /** The lock expires after this (default 30 s: above the token endpoint's 20 s timeout plus the file write). */
  lockTtlMs?: number;
  /** How long to wait for a lock another instance holds (default 25 s). */
  lockWaitMs?: number;
  pollMs?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const reason = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 200);

/** Subscribes to the notice channel, then returns the coordinator. */
export const createRedisCoordinator = async (options: RedisCoordinatorOptions): Promise<RefreshCoordinator> => {
  const { client, prefix, sealKey, outage, logger } = options;
  const { lockTtlMs = 30_000, lockWaitMs = 25_000, pollMs = 25 } = options;
  const lockKey = `${prefix}refresh-lock`;
  const credentialsKey = `${prefix}credentials`;
  const channel = `${prefix}credentials-changed`;
  /** Our own notices come back on the channel: the message carries the sender so we can skip them. */
  const instanceId = randomUUID();
  const listeners: (() => void)[] = [];
  await options.subscriber.subscribe(channel, (message: string) => {
    if (message === instanceId) return;
    for (const listener of listeners) listener();
  });

  const coordinator: RefreshCoordinator = {
    async withLock(fn) {
      const owner = `${instanceId}:${randomUUID()}`;
      const deadline = Date.now() + lockWaitMs;
      for (;;) {
        let taken: boolean;
        try {
          taken = (await client.set(lockKey, owner, { condition: "NX", expiration: { type: "PX", value: lockTtlMs } })) === "OK";
          outage.succeeded();
        } catch (error) {
          outage.failed(error);
          // With tokens only in Redis another host could refresh at the same time: a reused refresh token logs
          // every instance out, so wait for Redis instead. On one host the auth.json lock file still serializes.
          if (sealKey !== undefined) throw new Error(`Redis is unreachable (${reason(error)})`);
          logger.warn("refresh lock in Redis unavailable; relying on the auth.json lock file alone", { error: reason(error) });
          return fn();
        }
        if (taken) break;
        if (Date.now() >= deadline) throw new Error(`another instance has held the refresh lock for over ${lockWaitMs} ms`);
        await sleep(pollMs);
      }
      try {
        return await fn();
      } finally {
        await client.eval(RELEASE_SCRIPT, { keys: [lockKey], arguments: [owner] }).catch((error: unknown) => outage.failed(error));
      }
    },
    async publishChanged() {
      await client.publish(channel, instanceId).catch((error: unknown) => outage.failed(error));
    },
    onChanged(callback) {
      listeners.push(callback);
    },
  };
  if (sealKey === undefined) return coordinator;
  return {
    ...coordinator,
    async readShared(): Promise<SharedTokens | undefined> {
      const sealed = await client.get(credentialsKey).catch((error: unknown) => {
        outage.failed(error);
        throw error;
      });
      return typeof sealed === "string" ? openTokens(sealKey, sealed) : undefined;
    },
    async writeShared(tokens) {
      await client.set(credentialsKey, await sealTokens(sealKey, tokens)).catch((error: unknown) => {
        outage.failed(error);
        throw error;
      });
    },
  };
};
