// The one definition of every flag: name, kind, default, help, edge behaviour and the schema of its value. Parsing,
// the Config type, --help, the README table and the edge's ignore list all come from here (docs/STYLE.md "Config").
import { LOG_FORMATS, LOG_LEVELS } from "../log.ts";
import { DEFAULT_CLAUDE_MODELS } from "../models/claude-models.ts";
import { MAX_CALLS_PER_SESSION } from "../session/session-cache.ts";
import { boolean, bytes, duration, hostList, httpUrl, integer, listen, modelMap, oneOf, optionalText, originList, redisUrl, text, type Flag } from "./kinds.ts";

/** The --share-credentials encryption secret: an environment variable only, since a flag would show in `ps`. */
export const STORE_KEY_ENV = "GODEX_PROXY_STORE_KEY";
/** Shortest accepted STORE_KEY_ENV value (`openssl rand -base64 32` gives 44 characters). */
export const STORE_KEY_MIN_LENGTH = 32;
/** At the edge only: the secret binding that holds the content of `~/.codex/auth.json`. */
export const AUTH_JSON_ENV = "GODEX_PROXY_AUTH_JSON";

const NO_REDIS = "the Redis store needs a TCP client the worker bundle leaves out; sessions stay in each isolate's memory";

/**
 * Every flag, keyed by its Config key. The flag is the key in kebab case (`apiKey` → `--api-key`), and
 * `GODEX_PROXY_<NAME>` (`GODEX_PROXY_API_KEY`) sets it from the environment. The order is the --help order.
 */
export const FLAG_DEFINITIONS = {
  listen: listen("host:port to listen on", {
    default: "127.0.0.1:39001",
    edge: "the platform's route or socket decides where the worker answers",
  }),
  apiKey: optionalText("key clients must send as `Authorization: Bearer <key>` (required unless --allow-any-key)"),
  allowAnyKey: boolean("accept any bearer token, or none (warns loudly on a non-loopback --listen)"),
  allowedHosts: hostList(
    "extra Host names clients may use, comma-separated (loopback names and the --listen host always work; others get 403: DNS rebinding, docs/security.md)",
  ),
  corsOrigins: originList(
    "browser origins allowed to call the proxy, comma-separated `https://app.example`; `*` needs --api-key (default: none, web pages get 403)",
  ),
  model: text("model used when a request names none; listed first by /v1/models", { default: "gpt-5.2-codex" }),
  baseUrl: httpUrl("Codex backend base URL (POST {base-url}/responses)", { default: "https://chatgpt.com/backend-api/codex" }),
  allowRefresh: boolean("refresh the ChatGPT access token when it expires or the backend answers 401, and rewrite auth.json"),
  authPath: text("ChatGPT credentials written by `codex login`", {
    default: "~/.codex/auth.json",
    edge: `there is no filesystem; the credentials come from the ${AUTH_JSON_ENV} secret`,
  }),
  tokenUrl: httpUrl("OAuth token endpoint used by refresh and by `godex-proxy login`", { default: "https://auth.openai.com/oauth/token" }),
  authIssuer: httpUrl("OAuth issuer `godex-proxy login` signs in with (device code and browser endpoints)", { default: "https://auth.openai.com" }),
  cacheTtl: duration("how long cached instructions and tool calls live per session (90s, 30m, 6h, 1d)", {
    default: "6h",
    timer: false,
    min: 1,
  }),
  cacheMaxEntries: integer("sessions kept in the instructions and tool-call caches (least recently used go first)", {
    default: "10000",
    min: 1,
  }),
  cacheMaxCalls: integer("tool calls remembered per session for rebuilding a later turn (oldest go first)", {
    default: String(MAX_CALLS_PER_SESSION),
    min: 1,
  }),
  cacheMaxBytes: bytes("memory the in-memory session caches may hold (least recently used go first); a value over 1 MiB is not cached", {
    default: "256mb",
  }),
  logLevel: oneOf(LOG_LEVELS, "lowest level written to stderr", { default: "info" }),
  logRequests: boolean("one line per request: method, path, status, timings, model, session hash, usage"),
  logFormat: oneOf(LOG_FORMATS, "log lines as logfmt text or JSON objects", { default: "text" }),
  claudeModels: modelMap("Claude model ids → Codex models for /v1/messages, as family=model[:effort] (an empty model means --model); docs/anthropic.md", {
    default: DEFAULT_CLAUDE_MODELS,
  }),
  reasoningSummaries: boolean("expose reasoning summaries as `reasoning_content` deltas on /v1/chat/completions"),
  headerTimeout: duration("how long to wait for the backend's response headers (never limits a running stream)", {
    default: "120s",
    timer: true,
    min: 1,
  }),
  idleTimeout: duration(
    "close a client connection that sends no complete request head for this long: a new or half-sent one, or keep-alive between requests (never limits a running request; Bun rounds up to whole seconds, at most 255)",
    {
      default: "30s",
      timer: true,
      min: 1,
      edge: "the platform owns client connections",
    },
  ),
  bodyLimit: bytes("largest request body accepted (413 above it); room for base64 images", { default: "32mb" }),
  bodyTimeout: duration("longest a client may take to send its whole request body (408 and the connection closed after it)", {
    default: "60s",
    timer: true,
    min: 1,
  }),
  maxStreams: integer("cap on concurrent upstream requests, 429 with Retry-After when full (0 = no cap)", {
    default: "0",
    min: 0,
  }),
  keepAlive: duration("SSE comment sent to the client after this much upstream silence", {
    default: "15s",
    timer: true,
    min: 1,
  }),
  metrics: boolean("serve Prometheus metrics at GET /metrics (api key required)"),
  store: redisUrl(
    "keep the session caches in Redis and coordinate token refresh across instances, e.g. redis://127.0.0.1:6379/0 (default: in memory, this process only)",
    { edge: NO_REDIS },
  ),
  shareCredentials: boolean("with --store: keep the ChatGPT tokens in Redis, AES-GCM encrypted with GODEX_PROXY_STORE_KEY, for instances on different hosts", {
    edge: NO_REDIS,
  }),
  shutdownGrace: duration("on SIGINT/SIGTERM, how long running streams may finish before exit", {
    default: "30s",
    timer: true,
    min: 0,
    edge: "the platform ends isolates",
  }),
} satisfies Record<string, Flag>;

export type ConfigKey = keyof typeof FLAG_DEFINITIONS;

/** Why STORE_KEY_ENV has no effect at the edge. */
export const STORE_KEY_EDGE = NO_REDIS;

/** `apiKey` → `api-key`. */
export const toFlagName = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** `api-key` → `GODEX_PROXY_API_KEY`. */
export const toEnvName = (name: string): string => `GODEX_PROXY_${name.toUpperCase().replace(/-/g, "_")}`;

/** One flag with its names spelled out, for parsing, --help and the README table. */
export interface FlagSpec extends Flag {
  key: ConfigKey;
  /** Long name without dashes. */
  name: string;
  env: string;
}

/** Every flag in definition order. */
export const FLAGS: readonly FlagSpec[] = (Object.keys(FLAG_DEFINITIONS) as ConfigKey[]).map((key) => {
  const name = toFlagName(key);
  return { ...FLAG_DEFINITIONS[key], key, name, env: toEnvName(name) };
});
