// Deno entry: Deno's HTTP engine on our own accept loop (idle timeout, accept errors survived: io/serve-deno.ts), Deno
// file APIs for auth.json, signal listeners for a clean shutdown.
import { runCli } from "../src/cli/run-cli.ts";
import { denoCliIo } from "./io/cli-deno.ts";
import { createDenoAuthFile } from "./io/auth-file-deno.ts";
import { connectRedis } from "./io/redis.ts";
import { serveDeno } from "./io/serve-deno.ts";

declare const Deno: {
  args: string[];
  env: { toObject(): Record<string, string> };
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
  serve: async (handler, listen) => {
    const server = serveDeno((request, remoteAddress) => handler(request, { remoteAddress }), listen);
    const host = server.addr.hostname.includes(":") ? `[${server.addr.hostname}]` : server.addr.hostname;
    return { url: `http://${host}:${server.addr.port}/`, close: (force = false) => server.close(force) };
  },
  onShutdown: (handler) => {
    for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(signal, () => handler(signal));
  },
  stdout: (line) => write(Deno.stdout, line),
  stderr: (line) => write(Deno.stderr, line),
  exit: (code) => Deno.exit(code),
});
