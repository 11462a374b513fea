// --store redis://…: what the runtime entries hand to startProxy as `connectStore` (issue #10): two connections,
// the session store and the token-refresh coordinator over them, and their shutdown. Node, Bun and Deno alike.
import { importStoreKey } from "../../src/auth/sealed-tokens.ts";
import type { SharedState, SharedStateOptions } from "../../src/start.ts";
import { connectRedisClient } from "./redis-client.ts";
import { createRedisCoordinator } from "./redis-coordinator.ts";
import { createOutageReporter } from "./redis-outage.ts";
import { createRedisStore } from "./redis-store.ts";

/** Every key and channel starts with this; bump the version when the value layout changes. */
export const REDIS_PREFIX = "godex:v1:";

/** Connects to Redis (rejecting when it is unreachable now) and builds the shared store and coordinator. */
export const connectRedis = async (options: SharedStateOptions & { prefix?: string }): Promise<SharedState> => {
  const { logger, now } = options;
  const prefix = options.prefix ?? REDIS_PREFIX;
  const outage = createOutageReporter({ logger, now });
  const client = await connectRedisClient(options.url, outage);
  const subscriber = await connectRedisClient(options.url, outage).catch(async (error: unknown) => {
    await client.close().catch(() => undefined);
    throw error;
  });
  const close = async () => {
    await Promise.allSettled([client.close(), subscriber.close()]);
  };
  try {
    const sealKey = options.storeKey === undefined ? undefined : await importStoreKey(options.storeKey);
    const coordinator = await createRedisCoordinator({ client, subscriber, prefix, sealKey, outage, logger });
    const store = createRedisStore({ client, prefix, ttlMs: options.ttlMs, outage, logger });
    return { store, coordinator, close };
  } catch (error) {
    await close();
    throw error;
  }
};
