// The only place that detects which runtime runs the suite (STYLE.md §5).
declare const Bun: unknown;
declare const Deno: unknown;

export type RuntimeName = "node" | "bun" | "deno";

export const RUNTIME: RuntimeName = typeof Bun !== "undefined" ? "bun" : typeof Deno !== "undefined" ? "deno" : "node";

/** The command that starts the real proxy entry for this runtime. */
export const entryCommand = (runtime: RuntimeName = RUNTIME): { command: string; args: string[] } => {
  switch (runtime) {
    case "bun":
      return { command: "node_modules/.bin/bun", args: ["runtimes/bun.ts"] };
    case "deno":
      return { command: "node_modules/.bin/deno", args: ["run", "--allow-net", "--allow-read", "--allow-write", "--allow-env", "runtimes/deno.ts"] };
    case "node":
      return { command: process.execPath.includes("node") ? process.execPath : "node", args: ["dist/node.js"] };
  }
};
