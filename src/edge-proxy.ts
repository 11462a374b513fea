// The edge counterpart of start.ts (issue #11): bindings → config → in-memory auth store → proxy, with no flags,
// files or listener. Text bindings carry the GODEX_PROXY_* names, so parseConfig validates them as it does env.
import { assembleProxy, createConfiguredLogger } from "./assemble.ts";
import { createMemoryAuthFile } from "./auth/memory-auth-file.ts";
import { AUTH_JSON_ENV, FLAGS, STORE_KEY_EDGE, STORE_KEY_ENV } from "./config/flags.ts";
import { parseConfig } from "./config/parse-config.ts";
import { ProxyError, toErrorResponse } from "./errors.ts";
import { createLogger } from "./log.ts";
import type { Proxy } from "./proxy.ts";
import type { KeyValueStore } from "./session/store.ts";
import { VERSION } from "./version.ts";

/** The secret binding that holds the content of `~/.codex/auth.json`. */
export const AUTH_SECRET = AUTH_JSON_ENV;

/** Variables that need a listener, a filesystem or TCP: ignored at the edge, with a warning saying why (flags.ts `edge`). */
const NO_EFFECT: Readonly<Record<string, string>> = Object.fromEntries([
  ...FLAGS.flatMap((flag) => (flag.edge === undefined ? [] : [[flag.env, flag.edge] as const])),
  [STORE_KEY_ENV, STORE_KEY_EDGE],
]);

/** What the edge entry provides: the runtime's fetch, clock, ids and log sink. */
export interface EdgeHost {
  fetch: typeof fetch;
  now: () => number;
  randomId: () => string;
  /** One finished log line (the entry sends it to the console, which the platform collects). */
  write: (line: string) => void;
  /** Session store shared across isolates; defaults to each isolate's own memory. */
  store?: KeyValueStore;
}

/** A binding's value as text: wrangler `[vars]` may arrive as numbers, booleans or parsed JSON. */
const asText = (value: unknown): string | undefined => {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value === "object" && value !== null) return JSON.stringify(value);
  return undefined;
};

/** Builds the proxy from a worker's `env`. Invalid bindings give a proxy that answers every request with a 500 naming them. */
export const createEdgeProxy = (bindings: Readonly<Record<string, unknown>>, host: EdgeHost): Proxy => {
  const env: Record<string, string> = {};
  const ignored: string[] = [];
  for (const [name, value] of Object.entries(bindings)) {
    const text = asText(value);
    if (!name.startsWith("GODEX_PROXY_") || name === AUTH_SECRET || text === undefined) continue;
    if (Object.hasOwn(NO_EFFECT, name)) ignored.push(name);
    else env[name] = text;
  }
  const parsed = parseConfig({ argv: [], env, home: "/" }, VERSION);
  if (parsed.kind !== "config") {
    const message = `godex-proxy is misconfigured: ${parsed.kind === "error" ? parsed.message : "unexpected arguments"}`;
    createLogger({ level: "error", write: host.write, now: host.now }).error(message);
    const error = new ProxyError("internal", { message, code: "proxy_misconfigured" });
    return { fetch: async () => toErrorResponse(error), checkModel: async () => undefined };
  }
  const { config } = parsed;
  const logger = createConfiguredLogger(config, host.write, host.now);
  // parseConfig warns about --allow-any-key only off loopback; a worker is always reachable from the internet.
  if (config.allowAnyKey) logger.warn("WARNING: GODEX_PROXY_ALLOW_ANY_KEY at the edge: anyone who finds this URL can spend your ChatGPT quota");
  for (const name of ignored) logger.warn(`${name} has no effect at the edge and is ignored: ${NO_EFFECT[name]}`);
  const secret = asText(bindings[AUTH_SECRET]);
  if (secret === undefined) logger.warn(`no ${AUTH_SECRET} secret: set it to the content of ~/.codex/auth.json (wrangler secret put ${AUTH_SECRET})`);
  if (config.allowRefresh) logger.info("refresh is on: refreshed tokens live in this isolate's memory only; other isolates start again from the secret");
  const file = createMemoryAuthFile({ path: `secret ${AUTH_SECRET}`, text: secret });
  return assembleProxy({ config, logger, file, fetch: host.fetch, now: host.now, randomId: host.randomId, store: host.store, checkHost: false }).proxy;
};
