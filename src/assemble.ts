// What the runtime start-up and the edge entry share once the config is known: logger, metrics, auth store,
// proxy (issue #3 item 2; issue #11 item 1). Web-only: the caller brings the files, the store and the clock.
import { createAuthStore } from "./auth/auth-store.ts";
import type { AuthFile, ManagedAuthStore, RefreshCoordinator } from "./auth/types.ts";
import type { Config } from "./config/schema.ts";
import { createLogger, type Logger } from "./log.ts";
import { createProxyMetrics } from "./metrics/proxy-metrics.ts";
import { createProxy, type Proxy } from "./proxy.ts";
import type { KeyValueStore } from "./session/store.ts";

/** A logger as the config asks for it, scrubbing the configured api key from every line. */
export const createConfiguredLogger = (config: Config, write: (line: string) => void, now: () => number): Logger =>
  createLogger({ level: config.logLevel, format: config.logFormat, write, now, secrets: () => (config.apiKey ? [config.apiKey] : []) });

export interface AssembleInput {
  config: Config;
  logger: Logger;
  file: AuthFile;
  fetch: typeof fetch;
  now: () => number;
  randomId: () => string;
  store?: KeyValueStore;
  coordinator?: RefreshCoordinator;
  /** See ProxyDeps.checkHost. */
  checkHost?: boolean;
}

/** The auth store and the proxy around it, with token refreshes counted in the proxy's metrics. */
export const assembleProxy = (input: AssembleInput): { proxy: Proxy; auth: ManagedAuthStore } => {
  const metrics = createProxyMetrics();
  const auth = createAuthStore({
    file: input.file,
    fetch: input.fetch,
    now: input.now,
    logger: input.logger,
    allowRefresh: input.config.allowRefresh,
    tokenUrl: input.config.tokenUrl,
    coordinator: input.coordinator,
    onRefresh: (result) => metrics.refreshes.inc({ result }),
  });
  const proxy = createProxy({
    config: input.config,
    logger: input.logger,
    fetch: input.fetch,
    now: input.now,
    randomId: input.randomId,
    auth,
    store: input.store,
    metrics,
    checkHost: input.checkHost,
  });
  return { proxy, auth };
};
