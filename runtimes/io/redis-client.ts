// Redis connections for --store (issue #10 item 2) through node-redis (`@redis/client`), which runs on Node, Bun
// and Deno: the first connect fails fast with a clear reason; after that the client reconnects in the background.
// The package is imported on the first connect, so a proxy without --store never loads it (start-up, issue #19).
import type { createClient } from "@redis/client";
import type { OutageReporter } from "./redis-outage.ts";

export type RedisClient = ReturnType<typeof createClient>;

/** Per-command limit: a hung Redis must cost a request this much at most, never its whole deadline. */
export const COMMAND_TIMEOUT_MS = 1_000;
const CONNECT_TIMEOUT_MS = 3_000;
/** Reconnect back-off after start: 100 ms doubling up to 5 s. */
const reconnectDelay = (retries: number) => Math.min(100 * 2 ** retries, 5_000);

/** A connected client for `url`; rejects when Redis cannot be reached now. */
export const connectRedisClient = async (url: string, outage: OutageReporter): Promise<RedisClient> => {
  let connected = false;
  const { createClient } = await import("@redis/client");
  const client = createClient({
    url,
    // Fail commands while disconnected instead of queueing them: a request then runs without the cache at once.
    disableOfflineQueue: true,
    commandOptions: { timeout: COMMAND_TIMEOUT_MS },
    socket: { connectTimeout: CONNECT_TIMEOUT_MS, reconnectStrategy: (retries: number) => (connected ? reconnectDelay(retries) : false) },
  });
  // Without a listener an 'error' event would throw; after start it is an outage, before it connect() rejects.
  client.on("error", (error: unknown) => {
    if (connected) outage.failed(error);
  });
  await client.connect();
  connected = true;
  return client as RedisClient;
};
