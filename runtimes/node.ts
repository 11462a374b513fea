// Node entry: srvx/node listener with --idle-timeout (io/serve-node.ts), node:fs auth file, node:http upstream calls (undici, without its 300 s body
// timeout, for bodies they do not handle: spec §5.9), Redis for --store. undici and the Redis client are loaded on
// first use: most configurations need neither, and loading them took a third of the start-up (issue #19).
import { homedir } from "node:os";
import { runCli } from "../src/cli/run-cli.ts";
import { nodeCliIo } from "./io/cli-node.ts";
import { createNodeAuthFile } from "./io/auth-file-node.ts";
import { createNodeFetch } from "./io/node-fetch.ts";
import { connectRedis } from "./io/redis.ts";
import { serveNode } from "./io/serve-node.ts";

// Long silent reasoning must not be cut by undici's default 300 s body/header timeouts (spec §10 pitfall 29).
let undici: Promise<(input: RequestInfo | URL, init?: RequestInit) => Promise<Response>> | undefined;
const undiciFallback = async (input: RequestInfo | URL, init?: RequestInit) => {
  undici ??= import("undici").then(({ Agent, fetch }) => {
    const dispatcher = new Agent({ bodyTimeout: 0, headersTimeout: 0, keepAliveTimeout: 30_000 });
    return (i: RequestInfo | URL, o?: RequestInit) => fetch(i as never, { ...o, dispatcher } as never) as unknown as Promise<Response>;
  });
  return (await undici)(input, init);
};

// Subcommands (login, logout, status, demo) or the proxy itself: src/cli/run-cli.ts.
await runCli({
  cli: nodeCliIo,
  argv: process.argv.slice(2),
  env: process.env,
  home: homedir(),
  fetch: createNodeFetch(undiciFallback),
  now: Date.now,
  randomId: () => crypto.randomUUID().replace(/-/g, ""),
  connectStore: connectRedis, // --store redis://… (issue #10)
  authFile: createNodeAuthFile,
  serve: serveNode,
  onShutdown: (handler) => {
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => handler(signal));
  },
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
  exit: (code) => process.exit(code),
});
