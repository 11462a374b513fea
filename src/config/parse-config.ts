// argv + environment → Config: a flag beats GODEX_PROXY_<NAME>, which beats the default (issue #3 item 4).
import { configSchema, type Config } from "./schema.ts";
import { parseDuration } from "./duration.ts";
import { parseClaudeModels } from "../models/claude-models.ts";
import { hostName } from "../http/exposure.ts";
import { FLAGS, STORE_KEY_ENV, STORE_KEY_MIN_LENGTH, toConfigKey, toEnvName, type FlagSpec } from "./flags.ts";

export type ParseResult =
  | { kind: "config"; config: Config; warnings: string[] }
  | { kind: "help"; text: string }
  | { kind: "version" }
  | { kind: "error"; message: string };

export interface ParseInput {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  /** Home directory, for `~` in --auth-path. */
  home: string;
}

const TRUE = new Set(["1", "true", "yes", "on"]);
const FALSE = new Set(["0", "false", "no", "off"]);
const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

class FlagError extends Error {}

const expected = (flag: FlagSpec): string => {
  switch (flag.kind) {
    case "list": return flag.name === "cors-origins" ? "a comma list of origins like https://app.example.com:8080, or *" : "a comma list of host names like proxy.lan,myhost";
    case "boolean": return "true/false, 1/0 or yes/no";
    case "duration": return "a duration like 90s, 30m, 6h or 1d";
    case "integer": return "a whole number of 0 or more";
    case "enum": return `one of ${flag.values?.join(", ")}`;
    case "listen": return "host:port, for example 127.0.0.1:39001";
    case "url": return "an http(s) URL";
    case "bytes": return "a size like 512kb, 32mb or 1gb";
    case "string": return "a non-empty value";
    case "redis-url": return "a Redis URL like redis://127.0.0.1:6379/0 (or rediss:// for TLS)";
    case "model-map": return "a comma list of family=model[:effort], e.g. opus=gpt-5.5:high,sonnet=,haiku=gpt-5.4-mini";
  }
};

/** `redis://user:secret@host` → `redis://user:***@host`: a password never reaches an error line or a log. */
export const maskUrlPassword = (text: string): string => text.replace(/^([a-z]+:\/\/[^/@:]*:)[^/@]*@/i, "$1***@");

const convert = (flag: FlagSpec, raw: string): unknown => {
  switch (flag.kind) {
    case "boolean": {
      const v = raw.trim().toLowerCase();
      if (TRUE.has(v)) return true;
      if (FALSE.has(v)) return false;
      return undefined;
    }
    case "duration": return parseDuration(raw) ?? undefined;
    case "integer": return /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : undefined;
    case "enum": return flag.values?.includes(raw.trim().toLowerCase()) ? raw.trim().toLowerCase() : undefined;
    case "listen": {
      const match = /^(.*):(\d{1,5})$/.exec(raw.trim());
      if (!match || Number(match[2]) > 65535) return undefined;
      const host = (match[1] || "127.0.0.1").replace(/^\[(.*)\]$/, "$1");
      return { host, port: Number(match[2]) };
    }
    case "url": {
      try {
        const url = new URL(raw.trim());
        return url.protocol === "http:" || url.protocol === "https:" ? raw.trim().replace(/\/+$/, "") : undefined;
      } catch {
        return undefined;
      }
    }
    case "bytes": {
      const match = /^(\d+)\s*(b|kb|mb|gb)?$/i.exec(raw.trim());
      return match ? Number(match[1]) * (SIZE_UNITS[(match[2] ?? "b").toLowerCase()] ?? 1) : undefined;
    }
    case "string": return raw === "" ? undefined : raw;
    case "list": {
      const items = raw.split(",").map((item) => item.trim()).filter((item) => item !== "");
      if (flag.name === "allowed-hosts") return items.every((item) => /^[\w.:\[\]-]+$/.test(item)) ? items.map(hostName) : undefined;
      return items.every((item) => item === "*" || isOrigin(item)) ? items.map((item) => item.replace(/\/$/, "")) : undefined;
    }
    case "model-map": {
      const entries = parseClaudeModels(raw);
      return typeof entries === "string" ? undefined : entries;
    }
    case "redis-url": {
      try {
        const url = new URL(raw.trim());
        const isRedis = url.protocol === "redis:" || url.protocol === "rediss:";
        // The path, if any, is the database number: redis://host:6379/2.
        return isRedis && url.hostname !== "" && /^\/?(\d+)?$/.test(url.pathname) ? raw.trim() : undefined;
      } catch {
        return undefined;
      }
    }
  }
};

/** `https://app.example.com:8080` (a trailing slash allowed), nothing more: what browsers send as Origin. */
const isOrigin = (text: string): boolean => {
  try {
    return new URL(text).origin === text.replace(/\/$/, "");
  } catch {
    return false;
  }
};

/** Levenshtein distance, for "did you mean --cache-ttl?". */
const distance = (a: string, b: string): number => {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] as number;
      row[j] = Math.min(current + 1, (row[j - 1] as number) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] as number;
};

const nearest = (name: string): string => {
  const best = FLAGS.map((f) => ({ f, d: distance(name, f.name) })).sort((x, y) => x.d - y.d)[0];
  return best && best.d <= 3 ? ` (did you mean --${best.f.name}?)` : "";
};

/** Reads argv pairs (`--flag value`, `--flag=value`, bare booleans). */
const readArgv = (argv: readonly string[]): Map<string, string> | "help" | "version" => {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--help" || arg === "-h") return "help";
    if (arg === "--version" || arg === "-v") return "version";
    if (!arg.startsWith("--")) throw new FlagError(`unexpected argument "${arg}": flags look like --name value (see --help)`);
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const flag = FLAGS.find((f) => f.name === name);
    if (!flag) throw new FlagError(`--${name}: unknown flag${nearest(name)}`);
    let value: string | undefined = eq === -1 ? undefined : arg.slice(eq + 1);
    if (value === undefined) {
      const next = argv[i + 1];
      const nextIsValue = next !== undefined && !next.startsWith("--");
      if (flag.kind === "boolean") {
        value = nextIsValue && convert(flag, next) !== undefined ? (i++, next) : "true";
      } else if (nextIsValue) {
        value = next;
        i++;
      } else {
        throw new FlagError(`--${name}: missing value, expected ${expected(flag)}`);
      }
    }
    values.set(name, value);
  }
  return values;
};

/** The --help text: every flag with its variable and default. */
export const helpText = (version: string): string => {
  const lines = [
    `godex-proxy ${version}: OpenAI-compatible proxy for the ChatGPT Codex backend`,
    "",
    "usage: godex-proxy --api-key KEY [flags]",
    "",
  ];
  for (const flag of FLAGS) {
    const def = flag.default === undefined ? "" : ` (default ${flag.default})`;
    const arg = flag.kind === "boolean" ? "" : ` <${flag.kind === "enum" ? flag.values?.join("|") : flag.kind}>`;
    lines.push(`  --${flag.name}${arg}${def}`, `      ${flag.help}`, `      env: ${toEnvName(flag.name)}`);
  }
  lines.push("", "A flag beats its environment variable, which beats the default.");
  return lines.join("\n");
};

/** Parses flags and environment into a Config, or says exactly which flag is wrong. */
export const parseConfig = (input: ParseInput, version = "0.0.0"): ParseResult => {
  try {
    const argv = readArgv(input.argv);
    if (argv === "help") return { kind: "help", text: helpText(version) };
    if (argv === "version") return { kind: "version" };
    const raw: Record<string, unknown> = {};
    for (const flag of FLAGS) {
      const envName = toEnvName(flag.name);
      const fromArgv = argv.get(flag.name);
      const fromEnv = input.env[envName];
      const source = fromArgv !== undefined ? `--${flag.name}` : fromEnv !== undefined && fromEnv !== "" ? `${envName} (for --${flag.name})` : undefined;
      const text = fromArgv ?? (fromEnv !== undefined && fromEnv !== "" ? fromEnv : flag.default);
      if (text === undefined) continue;
      const value = convert(flag, flag.name === "auth-path" ? text.replace(/^~(?=$|\/)/, input.home) : text);
      if (value === undefined) {
        const shown = flag.kind === "redis-url" ? maskUrlPassword(text) : text;
        throw new FlagError(`${source ?? `--${flag.name}`}: expected ${expected(flag)} (got "${shown}")`);
      }
      raw[toConfigKey(flag.name)] = value;
    }
    const parsed = configSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const name = String(issue?.path[0] ?? "").replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
      throw new FlagError(`--${name}: ${issue?.message ?? "invalid value"}`);
    }
    const config = parsed.data;
    if (!config.apiKey && !config.allowAnyKey) {
      throw new FlagError("--api-key: required (or GODEX_PROXY_API_KEY); pass --allow-any-key to accept any client");
    }
    if (config.shareCredentials && config.store === undefined) {
      throw new FlagError("--share-credentials: needs --store redis://… (the tokens are shared through Redis)");
    }
    if (config.shareCredentials && (input.env[STORE_KEY_ENV]?.length ?? 0) < STORE_KEY_MIN_LENGTH) {
      throw new FlagError(
        `--share-credentials: set ${STORE_KEY_ENV} to the same secret of at least ${STORE_KEY_MIN_LENGTH} characters on every instance (for example \`openssl rand -base64 32\`)`,
      );
    }
    if (config.allowAnyKey && config.corsOrigins.includes("*")) {
      throw new FlagError("--cors-origins: * with --allow-any-key would let every web page spend your quota; list the origins, or set --api-key");
    }
    const warnings: string[] = [];
    if (config.allowAnyKey && !isLoopback(config.listen.host)) {
      warnings.push(`WARNING: --allow-any-key on ${config.listen.host}: anyone who can reach this port can spend your ChatGPT quota`);
    }
    return { kind: "config", config, warnings };
  } catch (error) {
    if (error instanceof FlagError) return { kind: "error", message: error.message };
    throw error;
  }
};

/** True for 127.0.0.0/8, ::1 and localhost. */
export const isLoopback = (host: string): boolean =>
  host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
