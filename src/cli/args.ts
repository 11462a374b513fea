// Flags of the subcommands (login, logout, status): their own few, plus the proxy's --auth-path, --auth-issuer,
// --token-url and --api-key with the same defaults and GODEX_PROXY_<NAME> variables (src/config/flags.ts).
import { FLAGS, toEnvName } from "../config/flags.ts";

type Kind = "boolean" | "string" | "url" | "port";

export interface CommandFlag {
  name: string;
  kind: Kind;
  help: string;
  default?: string;
  /** Read GODEX_PROXY_<NAME> too (the proxy's own flags). */
  env?: boolean;
}

export interface Command {
  name: "login" | "logout" | "status";
  summary: string;
  flags: readonly CommandFlag[];
}

const shared = (name: string): CommandFlag => {
  const flag = FLAGS.find((f) => f.name === name);
  if (!flag) throw new Error(`no proxy flag --${name}`);
  return { name, kind: flag.kind === "url" ? "url" : "string", help: flag.help, env: true, ...(flag.default === undefined ? {} : { default: flag.default }) };
};

export const COMMANDS: readonly Command[] = [
  {
    name: "login",
    summary: "sign in with ChatGPT and write auth.json in the Codex CLI's format (no Codex CLI needed)",
    flags: [
      { name: "device", kind: "boolean", help: "device code: enter a code on any device's browser (the default without a local browser)" },
      { name: "browser", kind: "boolean", help: "open a browser here; it comes back to a one-shot callback on 127.0.0.1:1455" },
      { name: "force", kind: "boolean", help: "replace a valid login that auth.json already holds" },
      { name: "callback-port", kind: "port", default: "1455", help: "--browser callback port (the real issuer accepts 1455 only; 0 = any, for a test issuer)" },
      shared("auth-path"),
      shared("auth-issuer"),
      shared("token-url"),
    ],
  },
  {
    name: "logout",
    summary: "remove auth.json (as `codex logout` does), after confirming",
    flags: [{ name: "yes", kind: "boolean", help: "do not ask (needed without a terminal)" }, shared("auth-path")],
  },
  {
    name: "status",
    summary: "who is logged in (masked account id, plan), token expiry, and whether refresh works",
    flags: [
      { name: "url", kind: "url", help: "also show the quota windows from a running proxy's /v1/usage, e.g. http://127.0.0.1:39001" },
      { name: "offline", kind: "boolean", help: "do not try a refresh (which rotates the refresh token and rewrites auth.json)" },
      shared("api-key"),
      shared("auth-path"),
      shared("token-url"),
    ],
  },
];

export type ParsedArgs = { kind: "ok"; values: Record<string, string | boolean | number | undefined> } | { kind: "help" } | { kind: "error"; message: string };

const TRUE = new Set(["1", "true", "yes", "on"]);
const FALSE = new Set(["0", "false", "no", "off"]);

const convert = (flag: CommandFlag, raw: string): string | boolean | number | undefined => {
  switch (flag.kind) {
    case "boolean": {
      const v = raw.trim().toLowerCase();
      return TRUE.has(v) ? true : FALSE.has(v) ? false : undefined;
    }
    case "port":
      return /^\d{1,5}$/.test(raw.trim()) && Number(raw) <= 65535 ? Number(raw) : undefined;
    case "url":
      try {
        const url = new URL(raw.trim());
        return url.protocol === "http:" || url.protocol === "https:" ? raw.trim().replace(/\/+$/, "") : undefined;
      } catch {
        return undefined;
      }
    case "string":
      return raw === "" ? undefined : raw;
  }
};

/** Parses `argv` (after the command name) against the command's flags, then GODEX_PROXY_* and defaults. */
export const parseCommandArgs = (command: Command, argv: readonly string[], env: Readonly<Record<string, string | undefined>>, home: string): ParsedArgs => {
  const given = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--help" || arg === "-h") return { kind: "help" };
    if (!arg.startsWith("--")) return { kind: "error", message: `${command.name}: unexpected argument "${arg}" (see godex-proxy ${command.name} --help)` };
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const flag = command.flags.find((f) => f.name === name);
    if (!flag) return { kind: "error", message: `${command.name}: --${name}: unknown flag (see godex-proxy ${command.name} --help)` };
    let value = eq === -1 ? undefined : arg.slice(eq + 1);
    if (value === undefined) {
      const next = argv[i + 1];
      if (flag.kind === "boolean") value = next !== undefined && !next.startsWith("--") && convert(flag, next) !== undefined ? (i++, next) : "true";
      else if (next !== undefined && !next.startsWith("--")) value = (i++, next);
      else return { kind: "error", message: `${command.name}: --${name}: missing value` };
    }
    given.set(name, value);
  }
  const values: Record<string, string | boolean | number | undefined> = {};
  for (const flag of command.flags) {
    const fromEnv = flag.env ? env[toEnvName(flag.name)] : undefined;
    const raw = given.get(flag.name) ?? (fromEnv !== undefined && fromEnv !== "" ? fromEnv : flag.default);
    if (raw === undefined) {
      values[flag.name] = flag.kind === "boolean" ? false : undefined;
      continue;
    }
    const value = convert(flag, flag.name === "auth-path" ? raw.replace(/^~(?=$|[\\/])/, home) : raw);
    if (value === undefined) return { kind: "error", message: `${command.name}: --${flag.name}: invalid value "${flag.name === "api-key" ? "…" : raw}"` };
    values[flag.name] = value;
  }
  return { kind: "ok", values };
};

/** `godex-proxy login --help` and friends. */
export const commandHelp = (command: Command): string => {
  const lines = [`usage: godex-proxy ${command.name} [flags]`, "", `${command.summary}.`, ""];
  for (const flag of command.flags) {
    const arg = flag.kind === "boolean" ? "" : ` <${flag.kind}>`;
    lines.push(`  --${flag.name}${arg}${flag.default === undefined ? "" : ` (default ${flag.default})`}`, `      ${flag.help}`);
    if (flag.env) lines.push(`      env: ${toEnvName(flag.name)}`);
  }
  return lines.join("\n");
};

/** The commands section appended to the proxy's --help. */
export const commandsHelp = (): string =>
  [
    "commands:",
    ...COMMANDS.map((c) => `  godex-proxy ${c.name.padEnd(7)} ${c.summary}`),
    "  godex-proxy demo    the proxy in front of a bundled emulator of the backend: try it without an account",
    "  (godex-proxy COMMAND --help lists a command's flags)",
  ].join("\n");
