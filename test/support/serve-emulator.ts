// Serves an emulator on a real loopback socket with srvx, whose root export picks the Node, Bun or Deno adapter by
// export condition (STYLE.md §3). Used where only a socket shows the behaviour: disconnects, idle gaps, write-back.
import { serve } from "srvx";
import type { Emulator } from "../emulator/index.ts";

export interface ServedEmulator {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  url: string;
  /** `url` + the emulator's base path (default `/backend-api/codex`). */
  baseUrl: string;
  /** `url` + `/oauth/token`. */
  tokenUrl: string;
  /** Ends every response still in flight, then closes the listener and its connections. */
  close(): Promise<void>;
}

/** Starts a listener on 127.0.0.1 with an ephemeral port. */
export async function serveEmulator(emulator: Emulator): Promise<ServedEmulator> {
  const server = serve({
    hostname: "127.0.0.1",
    port: 0,
    silent: true,
    gracefulShutdown: false,
    // Bun closes connections after 10 s without traffic (oven-sh/bun#27479); stall scenarios need longer.
    // development:false stops Bun from printing the deliberate body error of the `disconnect` scenario.
    bun: { idleTimeout: 255, development: false },
    error: () => new Response(null, { status: 500 }),
    // A client that leaves during a header delay makes emulator.fetch reject like fetch does; nobody reads this.
    fetch: (request: Request) => emulator.fetch(request).catch(() => new Response(null, { status: 499 })),
  });
  await server.ready();
  const port = new URL(server.url ?? "").port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    baseUrl: url + emulator.basePath,
    tokenUrl: `${url}/oauth/token`,
    async close() {
      emulator.endAll();
      await server.close(true);
    },
  };
}
