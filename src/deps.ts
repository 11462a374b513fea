// What the outside world must provide to createProxy (STYLE.md §4 "Dependencies are injected").
import type { AuthStore } from "./auth/types.ts";
import type { Config } from "./config/schema.ts";
import type { Logger } from "./log.ts";

/** Per-request facts only the listener knows. */
export interface ClientInfo {
  /** Host part of the socket's remote address (session-key fallback, spec §9.1). */
  remoteAddress?: string;
  /** Lets work outlive the response on edge runtimes (workerd `ctx.waitUntil`). */
  waitUntil?: (promise: Promise<unknown>) => void;
  /**
   * The request body's bytes, read by the runtime without a web stream in between (the Node entry reads its
   * IncomingMessage: srvx's web body costs about 0.6 ms per request). "too-large" once more than `limit` bytes
   * arrived. Absent: the body is read from `request`.
   */
  readBody?: (limit: number) => Promise<Uint8Array | "too-large">;
}

export interface ProxyDeps {
  config: Config;
  logger: Logger;
  /** Upstream fetch only; tests pass the emulator's. */
  fetch: typeof fetch;
  /** Epoch ms: TTLs, `created`, deadlines. */
  now: () => number;
  /** chatcmpl and request ids; tests pass a counter. */
  randomId: () => string;
  auth: AuthStore;
  /** Metrics registry (created by createProxy when absent; passed in so the auth store can count refreshes). */
  metrics?: import("./metrics/proxy-metrics.ts").ProxyMetrics;
  /** The Host check against DNS rebinding (src/http/exposure.ts); off at the edge, where the platform's name is the host. */
  checkHost?: boolean;
  /** Session state store (defaults to the in-memory one). */
  store?: import("./session/store.ts").KeyValueStore;
}
