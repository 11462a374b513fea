// Deno entry: Deno.serve, Deno file APIs for auth.json, signal listeners for a clean shutdown.
import { runCli } from "../src/cli/run-cli.ts";
import { denoCliIo } from "./io/cli-deno.ts";
import { createDenoAuthFile } from "./io/auth-file-deno.ts";
import { connectRedis } from "./io/redis.ts";

declare const Deno: {
  args: string[];
  env: { toObject(): Record<string, string> };
  serve(
    options: { hostname: string; port: number; onListen?: () => void },
    handler: (request: Request, info: { remoteAddr: { hostname: string } }) => Promise<Response>,
  ): { addr: { hostname: string; port: number }; finished: Promise<void>; shutdown(): Promise<void> };
  addSignalListener(signal: "SIGINT" | "SIGTERM", handler: () => void): void;
  exit(code: number): never;
  stdout: { writeSync(bytes: Uint8Array): number };
  stderr: { writeSync(bytes: Uint8Array): number };
};

const env = Deno.env.toObject();
const encoder = new TextEncoder();
const write = (fd: typeof Deno.stdout, line: string) => void fd.writeSync(encoder.encode(`${line}\n`));

// Subcommands (login, logout, status, demo) or the proxy itself: src/cli/run-cli.ts.
await runCli({
  cli: denoCliIo,
  argv: Deno.args,
  env,
  home: env.HOME ?? env.USERPROFILE ?? ".",
  fetch: (url, init) => fetch(url, init),
  now: Date.now,
  randomId: () => crypto.randomUUID().replace(/-/g, ""),
  connectStore: connectRedis, // --store redis://… (issue #10)
  authFile: createDenoAuthFile,
  serve: async (handler, { hostname, port }) => {
    const server = Deno.serve({ hostname, port, onListen: () => {} }, (request, info) => handler(request, { remoteAddress: info.remoteAddr.hostname }));
    const host = server.addr.hostname.includes(":") ? `[${server.addr.hostname}]` : server.addr.hostname;
    return { url: `http://${host}:${server.addr.port}/`, close: () => server.shutdown() };
  },
  onShutdown: (handler) => {
    for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(signal, () => handler(signal));
  },
  stdout: (line) => write(Deno.stdout, line),
  stderr: (line) => write(Deno.stderr, line),
  exit: (code) => Deno.exit(code),
});
