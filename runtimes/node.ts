// Node entry: srvx/node listener, node:fs auth file, undici without its 300 s body timeout (spec §5.9).
import { homedir } from "node:os";
import { serve } from "srvx/node";
import { Agent, fetch as undiciFetch } from "undici";
import { startProxy } from "../src/index.ts";
import { createNodeAuthFile } from "./_auth-file-node.ts";

// Long silent reasoning must not be cut by undici's default 300 s body/header timeouts (spec §10 pitfall 29).
const dispatcher = new Agent({ bodyTimeout: 0, headersTimeout: 0, keepAliveTimeout: 30_000 });

await startProxy({
  argv: process.argv.slice(2),
  env: process.env,
  home: homedir(),
  fetch: ((url: string, init?: object) => undiciFetch(url, { ...init, dispatcher })) as unknown as typeof fetch,
  now: Date.now,
  randomId: () => crypto.randomUUID().replace(/-/g, ""),
  authFile: createNodeAuthFile,
  serve: async (handler, { hostname, port }) => {
    const server = serve({
      hostname,
      port,
      silent: true,
      gracefulShutdown: false,
      fetch: (request) => handler(request, { remoteAddress: request.ip }),
    });
    await server.ready();
    return { url: server.url ?? `http://${hostname}:${port}/`, close: (force) => server.close(force) };
  },
  onShutdown: (handler) => {
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => handler(signal));
  },
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
  exit: (code) => process.exit(code),
});
