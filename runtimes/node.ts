// Node entry: srvx/node listener, node:fs auth file, node:http upstream calls (undici, without its 300 s body
// timeout, for bodies they do not handle: spec §5.9), Redis for --store. undici and the Redis client are loaded on
// first use: most configurations need neither, and loading them took a third of the start-up (issue #19).
import { homedir } from "node:os";
import { serve } from "srvx/node";
import { runCli } from "../src/cli/run-cli.ts";
import { nodeCliIo } from "./io/cli-node.ts";
import { createNodeAuthFile } from "./io/auth-file-node.ts";
import { readNodeBody } from "./io/node-body.ts";
import { closeNodeServer } from "./io/node-close.ts";
import { createNodeFetch } from "./io/node-fetch.ts";
import { connectRedis } from "./io/redis.ts";

// Long silent reasoning must not be cut by undici's default 300 s body/header timeouts (spec §10 pitfall 29).
let undici: Promise<(input: RequestInfo | URL, init?: RequestInit) => Promise<Response>> | undefined;
const undiciFallback = async (input: RequestInfo | URL, init?: RequestInit) => {
  undici ??= import("undici").then(({ Agent, fetch }) => {
    const dispatcher = new Agent({ bodyTimeout: 0, headersTimeout: 0, keepAliveTimeout: 30_000 });
    return (i: RequestInfo | URL, o?: RequestInit) => fetch(i as never, { ...o, dispatcher } as never) as unknown as Promise<Response>;
  });
  return (await undici)(input, init);
};

/** The --idle-timeout default, for listeners started without it (the login callback). */
const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
/** Node's request (whole head and body) deadline: its own 300 s default, never below the head deadline (Node refuses that). */
const REQUEST_TIMEOUT_MS = 300_000;
// --idle-timeout on node:http (red team D4): the head deadline covers a silent or half-sent head, keepAliveTimeout the
// wait between requests. Node checks head and request deadlines every connectionsCheckingInterval (30 s by default,
// which let an idle connection live 90 s), so it runs at least every second.
const nodeConnectionTimeouts = (idleTimeoutMs: number) => ({
  headersTimeout: idleTimeoutMs,
  keepAliveTimeout: idleTimeoutMs,
  requestTimeout: Math.max(REQUEST_TIMEOUT_MS, idleTimeoutMs),
  connectionsCheckingInterval: Math.min(1_000, idleTimeoutMs),
});

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
  serve: async (handler, { hostname, port, idleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS }) => {
    const server = serve({
      hostname,
      port,
      silent: true,
      gracefulShutdown: false,
      node: nodeConnectionTimeouts(idleTimeoutMs),
      fetch: (request) => {
        const message = request.runtime?.node?.req;
        return handler(request, { remoteAddress: request.ip, readBody: message && ((limit) => readNodeBody(message, limit)) });
      },
    });
    await server.ready();
    return { url: server.url ?? `http://${hostname}:${port}/`, close: (force: boolean) => closeNodeServer(server, force) };
  },
  onShutdown: (handler) => {
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => handler(signal));
  },
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
  exit: (code) => process.exit(code),
});
