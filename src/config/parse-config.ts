// argv + environment → Config: a flag beats GODEX_PROXY_<NAME>, which beats the default (issue #3 item 4). What each
// flag accepts comes from its definition (flags.ts, kinds.ts); the cross-flag rules are at the end of parseConfig.
import { hostName, isLoopbackName } from "../host-name.ts";
import { VERSION } from "../version.ts";
import { FLAGS, STORE_KEY_ENV, STORE_KEY_MIN_LENGTH } from "./flags.ts";
import { maskUrlPassword } from "./mask-url.ts";
import { configSchema, type Config } from "./schema.ts";

export type ParseResult =
  | {
      kind: "config";
      config: Config /** --share-credentials: the GODEX_PROXY_STORE_KEY secret, checked here; absent otherwise. */;
      storeKey?: string;
      warnings: string[];
    }
  | { kind: "help"; text: string }
  | { kind: "version" }
  | { kind: "error"; message: string };

export interface ParseInput {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  /** Home directory, for `~` in --auth-path. */
  home: string;
}

class FlagError extends Error {}

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
        value = nextIsValue && flag.read(next) !== undefined ? (i++, next) : "true";
      } else if (nextIsValue) {
        value = next;
        i++;
      } else {
        throw new FlagError(`--${name}: missing value, expected ${flag.expected}`);
      }
    }
    values.set(name, value);
  }
  return values;
};

/** The --help text: every flag with its variable and default. */
export const helpText = (version: string): string => {
  const lines = [`godex-proxy ${version}: OpenAI-compatible proxy for the ChatGPT Codex backend`, "", "usage: godex-proxy --api-key KEY [flags]", ""];
  for (const flag of FLAGS) {
    const def = flag.default === undefined ? "" : ` (default ${flag.default})`;
    const arg = flag.kind === "boolean" ? "" : ` <${flag.kind === "enum" ? flag.values?.join("|") : flag.kind}>`;
    lines.push(`  --${flag.name}${arg}${def}`, `      ${flag.help}`, `      env: ${flag.env}`);
  }
  lines.push("", "A flag beats its environment variable, which beats the default.");
  return lines.join("\n");
};

/** Parses flags and environment into a Config, or says exactly which flag is wrong (and where its value came from). */
export const parseConfig = (input: ParseInput, version = VERSION): ParseResult => {
  try {
    const argv = readArgv(input.argv);
    if (argv === "help") return { kind: "help", text: helpText(version) };
    if (argv === "version") return { kind: "version" };
    const raw: Record<string, unknown> = {};
    for (const flag of FLAGS) {
      const fromArgv = argv.get(flag.name);
      const fromEnv = input.env[flag.env] === "" ? undefined : input.env[flag.env];
      const text = fromArgv ?? fromEnv ?? flag.default;
      if (text === undefined) continue;
      const source = fromArgv !== undefined || fromEnv === undefined ? `--${flag.name}` : `${flag.env} (for --${flag.name})`;
      const shown = flag.kind === "redis-url" ? maskUrlPassword(text) : text;
      const value = flag.read(flag.key === "authPath" ? text.replace(/^~(?=$|\/)/, input.home) : text);
      if (value === undefined) throw new FlagError(`${source}: expected ${flag.expected} (got "${shown}")`);
      const checked = flag.schema.safeParse(value);
      if (!checked.success) throw new FlagError(`${source}: ${checked.error.issues[0]?.message ?? "invalid value"} (got "${shown}")`);
      raw[flag.key] = checked.data;
    }
    const parsed = configSchema.safeParse(raw);
    // Each value passed its own schema above; the whole object can fail only if flags.ts and schema.ts disagree.
    if (!parsed.success) throw new Error(`internal: config schema rejected parsed flags: ${parsed.error.message}`);
    const config = parsed.data;
    if (!config.apiKey && !config.allowAnyKey) {
      throw new FlagError("--api-key: required (or GODEX_PROXY_API_KEY); pass --allow-any-key to accept any client");
    }
    if (config.allowAnyKey && config.corsOrigins.includes("*")) {
      throw new FlagError("--cors-origins: * with --allow-any-key would let every web page spend your quota; list the origins, or set --api-key");
    }
    if (config.shareCredentials && config.store === undefined) {
      throw new FlagError("--share-credentials: needs --store redis://… (the tokens are shared through Redis)");
    }
    if (config.shareCredentials && (input.env[STORE_KEY_ENV]?.length ?? 0) < STORE_KEY_MIN_LENGTH) {
      throw new FlagError(
        `--share-credentials: set ${STORE_KEY_ENV} to the same secret of at least ${STORE_KEY_MIN_LENGTH} characters on every instance (for example \`openssl rand -base64 32\`)`,
      );
    }
    const warnings: string[] = [];
    if (config.allowAnyKey && !isLoopbackName(hostName(config.listen.host))) {
      warnings.push(`WARNING: --allow-any-key on ${config.listen.host}: anyone who can reach this port can spend your ChatGPT quota`);
    }
    const storeKey = config.shareCredentials ? input.env[STORE_KEY_ENV] : undefined;
    return { kind: "config", config, ...(storeKey === undefined ? {} : { storeKey }), warnings };
  } catch (error) {
    if (error instanceof FlagError) return { kind: "error", message: error.message };
    throw error;
  }
};
