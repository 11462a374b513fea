// The single list of flags: drives parsing, --help, error messages and the README table (STYLE.md "Config").
import { DEFAULT_CLAUDE_MODELS } from "../models/claude-models.ts";

export type FlagKind = "list" | "string" | "boolean" | "duration" | "integer" | "enum" | "listen" | "url" | "bytes" | "redis-url" | "model-map";

export interface FlagSpec {
  /** Long name without dashes; also the config key in camelCase. */
  name: string;
  kind: FlagKind;
  /** Default as text, or undefined when there is none. */
  default?: string;
  /** Accepted values for enums. */
  values?: readonly string[];
  help: string;
}

/** Every flag of the proxy. `GODEX_PROXY_<NAME>` (upper case, `-` → `_`) sets each from the environment. */
export const FLAGS: readonly FlagSpec[] = [
  { name: "listen", kind: "listen", default: "127.0.0.1:39001", help: "host:port to listen on" },
  { name: "api-key", kind: "string", help: "key clients must send as `Authorization: Bearer <key>` (required unless --allow-any-key)" },
  { name: "allow-any-key", kind: "boolean", default: "false", help: "accept any bearer token, or none (warns loudly on a non-loopback --listen)" },
  { name: "allowed-hosts", kind: "list", help: "extra Host names clients may use, comma-separated (loopback names and the --listen host always work; others get 403: DNS rebinding, docs/security.md)" },
  { name: "cors-origins", kind: "list", help: "browser origins allowed to call the proxy, comma-separated `https://app.example`; `*` needs --api-key (default: none, web pages get 403)" },
  { name: "model", kind: "string", default: "gpt-5.2-codex", help: "model used when a request names none; listed first by /v1/models" },
  { name: "base-url", kind: "url", default: "https://chatgpt.com/backend-api/codex", help: "Codex backend base URL (POST {base-url}/responses)" },
  { name: "allow-refresh", kind: "boolean", default: "false", help: "refresh the ChatGPT access token when it expires or the backend answers 401, and rewrite auth.json" },
  { name: "auth-path", kind: "string", default: "~/.codex/auth.json", help: "ChatGPT credentials written by `codex login`" },
  { name: "token-url", kind: "url", default: "https://auth.openai.com/oauth/token", help: "OAuth token endpoint used by refresh and by `godex-proxy login`" },
  { name: "auth-issuer", kind: "url", default: "https://auth.openai.com", help: "OAuth issuer `godex-proxy login` signs in with (device code and browser endpoints)" },
  { name: "cache-ttl", kind: "duration", default: "6h", help: "how long cached instructions and tool calls live per session (90s, 30m, 6h, 1d)" },
  { name: "cache-max-entries", kind: "integer", default: "10000", help: "sessions kept in the instructions and tool-call caches (least recently used go first)" },
  { name: "log-level", kind: "enum", default: "info", values: ["debug", "info", "warn", "error"], help: "lowest level written to stderr" },
  { name: "log-requests", kind: "boolean", default: "false", help: "one line per request: method, path, status, timings, model, session hash, usage" },
  { name: "log-format", kind: "enum", default: "text", values: ["text", "json"], help: "log lines as logfmt text or JSON objects" },
  { name: "claude-models", kind: "model-map", default: DEFAULT_CLAUDE_MODELS, help: "Claude model ids → Codex models for /v1/messages, as family=model[:effort] (an empty model means --model); docs/anthropic.md" },
  { name: "reasoning-summaries", kind: "boolean", default: "false", help: "expose reasoning summaries as `reasoning_content` deltas on /v1/chat/completions" },
  { name: "header-timeout", kind: "duration", default: "120s", help: "how long to wait for the backend's response headers (never limits a running stream)" },
  { name: "body-limit", kind: "bytes", default: "32mb", help: "largest request body accepted (413 above it); room for base64 images" },
  { name: "max-streams", kind: "integer", default: "0", help: "cap on concurrent upstream requests, 429 with Retry-After when full (0 = no cap)" },
  { name: "keep-alive", kind: "duration", default: "15s", help: "SSE comment sent to the client after this much upstream silence" },
  { name: "metrics", kind: "boolean", default: "false", help: "serve Prometheus metrics at GET /metrics (api key required)" },
  { name: "store", kind: "redis-url", help: "keep the session caches in Redis and coordinate token refresh across instances, e.g. redis://127.0.0.1:6379/0 (default: in memory, this process only)" },
  { name: "share-credentials", kind: "boolean", default: "false", help: "with --store: keep the ChatGPT tokens in Redis, AES-GCM encrypted with GODEX_PROXY_STORE_KEY, for instances on different hosts" },
  { name: "shutdown-grace", kind: "duration", default: "30s", help: "on SIGINT/SIGTERM, how long running streams may finish before exit" },
];

/** The --share-credentials encryption secret: an environment variable only, since a flag would show in `ps`. */
export const STORE_KEY_ENV = "GODEX_PROXY_STORE_KEY";
/** Shortest accepted STORE_KEY_ENV value (`openssl rand -base64 32` gives 44 characters). */
export const STORE_KEY_MIN_LENGTH = 32;

/** `api-key` → `apiKey`. */
export const toConfigKey = (name: string): string => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** `api-key` → `GODEX_PROXY_API_KEY`. */
export const toEnvName = (name: string): string => `GODEX_PROXY_${name.toUpperCase().replace(/-/g, "_")}`;
