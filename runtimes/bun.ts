// Bun entry: Bun.serve with --idle-timeout between requests and none during one (io/serve-bun.ts), node:fs auth file,
// fetch without timeout.
import { homedir } from "node:os";
import { runCli } from "../src/cli/run-cli.ts";
import { nodeCliIo } from "./io/cli-node.ts";
import { createNodeAuthFile } from "./io/auth-file-node.ts";
import { connectRedis } from "./io/redis.ts";
import { serveBun } from "./io/serve-bun.ts";

// Subcommands (login, logout, status, demo) or the proxy itself: src/cli/run-cli.ts.
await runCli({
  cli: nodeCliIo,
  argv: process.argv.slice(2),
  env: process.env,
  home: homedir(),
  // Bun's fetch has its own inactivity timeout; `timeout: false` turns it off for silent reasoning (spec §5.9).
  fetch: ((url, init) => fetch(url, { ...init, timeout: false } as RequestInit)) as typeof fetch,
  now: Date.now,
  randomId: () => crypto.randomUUID().replace(/-/g, ""),
  connectStore: connectRedis, // --store redis://… (issue #10)
  authFile: createNodeAuthFile,
  serve: serveBun,
  onShutdown: (handler) => {
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => handler(signal));
  },
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
  exit: (code) => process.exit(code),
});
