// The only place that detects which runtime runs the suite (STYLE.md §5).
declare const Bun: unknown;
declare const Deno: unknown;

export type RuntimeName = "node" | "bun" | "deno";

export const RUNTIME: RuntimeName = typeof Bun !== "undefined" ? "bun" : typeof Deno !== "undefined" ? "deno" : "node";

/**
 * The command that starts the real proxy entry for this runtime. GODEX_ENTRY names another executable to start
 * instead, with no arguments before the proxy's own: .ci/check-binary.sh runs the black-box files against the
 * single-file binary that way.
 */
export const entryCommand = (runtime: RuntimeName = RUNTIME): { command: string; args: string[] } => {
  const other = process.env.GODEX_ENTRY;
  if (other) return { command: other, args: [] };
  switch (runtime) {
    case "bun":
      return { command: "node_modules/.bin/bun", args: ["runtimes/bun.ts"] };
    case "deno":
      return { command: "node_modules/.bin/deno", args: ["run", "--allow-net", "--allow-read", "--allow-write", "--allow-env", "runtimes/deno.ts"] };
    case "node":
      return { command: process.execPath.includes("node") ? process.execPath : "node", args: ["dist/node.js"] };
  }
};
