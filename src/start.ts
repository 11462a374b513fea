// What every runtime entry shares: config → logger → auth store → proxy → listen → "listening on" → shutdown.
// Entries provide a Host (argv, env, files, serve, signals); nothing here is runtime-specific.
import { createAuthStore } from "./auth/auth-store.ts";
import type { AuthFile } from "./auth/types.ts";
import type { Config } from "./config/schema.ts";
import { parseConfig } from "./config/parse-config.ts";
import type { ClientInfo } from "./deps.ts";
import { createLogger, type Logger } from "./log.ts";
import { createProxy } from "./proxy.ts";
import { VERSION } from "./version.ts";

export interface Served {
  url: string;
  /** Stop accepting; resolves when open connections are done (or forced after `force`). */
  close(force?: boolean): Promise<void>;
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
  serve: (handler: (request: Request, client: ClientInfo) => Promise<Response>, listen: { hostname: string; port: number }) => Promise<Served>;
  /** Registers the SIGINT/SIGTERM handler. */
  onShutdown: (handler: (signal: string) => void) => void;
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  exit: (code: number) => never;
}

/** Builds everything from flags and the environment and starts listening; returns the running server. */
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
  const logger = createLogger({
    level: config.logLevel,
    format: config.logFormat,
    write: host.stderr,
    now: host.now,
    secrets: () => (config.apiKey ? [config.apiKey] : []),
  });
  for (const warning of parsed.warnings) logger.warn(warning);
  const auth = createAuthStore({
    file: host.authFile(config.authPath),
    fetch: host.fetch,
    now: host.now,
    logger,
    allowRefresh: config.allowRefresh,
    tokenUrl: config.tokenUrl,
  });
  const status = await auth.status();
  if (!status.loaded) logger.warn("ChatGPT credentials not usable yet; requests will fail until they are", { error: status.error });
  const proxy = createProxy({ config, logger, fetch: host.fetch, now: host.now, randomId: host.randomId, auth });
  const served = await host.serve(proxy.fetch, { hostname: config.listen.host, port: config.listen.port });
  let stopping = false;
  host.onShutdown((signal) => {
    if (stopping) return host.exit(0);
    stopping = true;
    logger.info("shutting down: no new connections; waiting for open streams", { signal, grace_ms: config.shutdownGrace });
    const force = setTimeout(() => {
      logger.warn("grace period over; closing open connections");
      // Some runtimes' close never settles while a stream is open (Deno's shutdown() has no force): exit anyway.
      const exitSoon = setTimeout(() => host.exit(0), 1000);
      void served.close(true).finally(() => {
        clearTimeout(exitSoon);
        host.exit(0);
      });
    }, config.shutdownGrace);
    void served.close(false).then(() => {
      clearTimeout(force);
      host.exit(0);
    });
  });
  // Printed last: tests and scripts take this line to mean "ready, and signals are handled".
  host.stdout(`godex-proxy ${VERSION} listening on ${served.url}`);
  return { served, config, logger };
};
