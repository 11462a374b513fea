// What every runtime entry shares: config → logger → shared store → auth store → proxy → listen → "listening on"
// → shutdown. Entries provide a Host (argv, env, files, serve, signals, Redis for --store, issue #10); nothing here is runtime-specific.
import { assembleProxy, createConfiguredLogger } from "./assemble.ts";
import type { AuthFile, RefreshCoordinator } from "./auth/types.ts";
import type { Config } from "./config/schema.ts";
import { maskUrlPassword } from "./config/mask-url.ts";
import { parseConfig } from "./config/parse-config.ts";
import type { ClientInfo } from "./deps.ts";
import type { Logger } from "./log.ts";
import type { KeyValueStore } from "./session/store.ts";
import { createShutdown } from "./shutdown.ts";
import { VERSION } from "./version.ts";

/** Where an entry listens, and its client-connection timeouts: --idle-timeout and --keep-alive (red team D4). */
export interface Listen {
  hostname: string;
  port: number;
  idleTimeoutMs: number;
  keepAliveMs: number;
}

export interface Served {
  url: string;
  /** Stop accepting; resolves when open connections are done (or forced after `force`). */
  close(force?: boolean): Promise<void>;
}

/** What --store connects to (issue #10): the session store and the refresh coordinator all instances share. */
export interface SharedState {
  store: KeyValueStore;
  coordinator: RefreshCoordinator;
  /** Closes the connections; startProxy calls it on shutdown. */
  close(): Promise<void>;
}

export interface SharedStateOptions {
  /** The --store URL (redis:// or rediss://). */
  url: string;
  /** --cache-ttl in ms: a read extends an entry by this much, like the in-memory store. */
  ttlMs: number;
  /** --share-credentials: the GODEX_PROXY_STORE_KEY secret. Absent: no token ever goes into the store. */
  storeKey?: string;
  logger: Logger;
  now: () => number;
}

export interface Host {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  home: string;
  /** Upstream fetch with the runtime's body/idle timeouts disabled (spec §5.9, pitfall 29). */
  fetch: typeof fetch;
  now: () => number;
  randomId: () => string;
  authFile: (path: string) => AuthFile;
  serve: (handler: (request: Request, client: ClientInfo) => Promise<Response>, listen: Listen) => Promise<Served>;
  /** Registers the SIGINT/SIGTERM handler. */
  onShutdown: (handler: (signal: string) => void) => void;
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  exit: (code: number) => never;
  /** Connects --store; rejects with a readable reason when it is unreachable. Absent: the entry has no Redis support. */
  connectStore?: (options: SharedStateOptions) => Promise<SharedState>;
}

/** Builds everything from flags and the environment and starts listening; returns the running server. */
/** The start-up model check runs only with a token this far from expiry (past the refresh margin). */
const START_CHECK_MIN_TOKEN_LIFE_MS = 5 * 60_000;

export const startProxy = async (host: Host): Promise<{ served: Served; config: Config; logger: Logger } | undefined> => {
  const parsed = parseConfig({ argv: host.argv, env: host.env, home: host.home }, VERSION);
  if (parsed.kind === "help") {
    host.stdout(parsed.text);
    return host.exit(0);
  }
  if (parsed.kind === "version") {
    host.stdout(VERSION);
    return host.exit(0);
  }
  if (parsed.kind === "error") {
    host.stderr(`godex-proxy: ${parsed.message}`);
    return host.exit(2);
  }
  const { config } = parsed;
  const logger = createConfiguredLogger(config, host.stderr, host.now);
  for (const warning of parsed.warnings) logger.warn(warning);
  let shared: SharedState | undefined;
  if (config.store !== undefined) {
    const where = maskUrlPassword(config.store);
    if (host.connectStore === undefined) {
      host.stderr("godex-proxy: --store: this runtime entry cannot connect to Redis; start the node, bun or deno entry");
      return host.exit(2);
    }
    try {
      shared = await host.connectStore({ url: config.store, ttlMs: config.cacheTtl, storeKey: parsed.storeKey, logger, now: host.now });
    } catch (error) {
      const reason = maskUrlPassword(error instanceof Error ? error.message : String(error));
      host.stderr(`godex-proxy: --store ${where}: cannot reach Redis (${reason}): start Redis or fix --store`);
      return host.exit(1);
    }
    logger.info("session caches and token refresh shared through Redis", { store: where, shareCredentials: config.shareCredentials });
  }
  const { proxy, auth } = assembleProxy({
    config,
    logger,
    file: host.authFile(config.authPath),
    fetch: host.fetch,
    now: host.now,
    randomId: host.randomId,
    store: shared?.store,
    coordinator: shared?.coordinator,
  });
  const status = await auth.status();
  if (!status.loaded) logger.warn("ChatGPT credentials not usable yet; requests will fail until they are", { error: status.error });
  const served = await host.serve(proxy.fetch, {
    hostname: config.listen.host,
    port: config.listen.port,
    idleTimeoutMs: config.idleTimeout,
    keepAliveMs: config.keepAlive,
  });
  host.onShutdown(
    createShutdown({
      close: (force) => served.close(force),
      graceMs: config.shutdownGrace,
      logger,
      auth,
      closeShared: shared && (() => shared.close()),
      exit: host.exit,
    }),
  );
  // Printed last: tests and scripts take this line to mean "ready, and signals are handled".
  host.stdout(`godex-proxy ${VERSION} listening on ${served.url}`);
  // Whether --model is in the backend's catalogue (issue 16 item 7): a warning, never a reason not to serve. Not
  // while the token is due for refresh: the check must not start a token refresh of its own at start-up.
  const expiresAt = status.expiresAt === undefined ? Number.NaN : Date.parse(status.expiresAt);
  if (status.loaded && expiresAt - host.now() > START_CHECK_MIN_TOKEN_LIFE_MS) void proxy.checkModel();
  return { served, config, logger };
};
