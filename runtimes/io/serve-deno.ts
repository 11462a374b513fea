// The Deno entry's listener (red team D4): Deno.serve has no header or keep-alive timeout, and an accept error
// (EMFILE) ends its loop with an uncaught rejection that exits the process. So we accept in JS from Deno.listen, pause
// and retry when accept fails, and hand each connection to Deno's own HTTP engine (serveHttpOnConnection, the same
// native path Deno.serve uses: no JS per chunk). A connection with no request in flight is closed after idleTimeoutMs.

import { toErrorResponse } from "../../src/errors.ts";
import type { Listen } from "../../src/start.ts";

interface DenoConn {
  close(): void;
}
interface DenoListener {
  addr: { hostname: string; port: number };
  accept(): Promise<DenoConn>;
  close(): void;
}
interface ConnServer {
  finished: Promise<void>;
  shutdown(): Promise<void>;
}
type ConnHandler = (request: Request, info: { remoteAddr: { hostname: string }; completed: Promise<void> }) => Promise<Response>;
interface DenoInternals {
  serveHttpOnConnection(conn: DenoConn, signal: AbortSignal, handler: ConnHandler, onError: (error: unknown) => Response, onListen: () => void): ConnServer;
}

declare const Deno: {
  listen(options: { hostname: string; port: number }): DenoListener;
  internal: symbol;
  stderr: { writeSync(bytes: Uint8Array): number };
};

/** How long to wait before accepting again after accept failed (EMFILE, ENFILE, ENOBUFS): Node's and Bun's back-off. */
const ACCEPT_RETRY_MS = 100;

export interface DenoServer {
  addr: { hostname: string; port: number };
  /** Stops accepting; graceful: running requests finish and idle connections close; force: every connection closes. */
  close(force: boolean): Promise<void>;
}

interface Connection {
  /** open → cut (aborted) or closing (graceful shutdown) → done (Deno's server for it finished). */
  state: "open" | "cut" | "closing" | "done";
  server: ConnServer;
  cut(): void;
}

const encoder = new TextEncoder();
const log = (line: string) => void Deno.stderr.writeSync(encoder.encode(`godex-proxy: ${line}\n`));

export const serveDeno = (handler: (request: Request, remoteAddress: string) => Promise<Response>, { hostname, port, idleTimeoutMs }: Listen): DenoServer => {
  const internals = (Deno as unknown as Record<symbol, DenoInternals>)[Deno.internal];
  if (typeof internals?.serveHttpOnConnection !== "function") throw new Error("this Deno has no serveHttpOnConnection; the Deno entry needs Deno 2.x");
  const listener = Deno.listen({ hostname, port });
  const connections = new Set<Connection>();
  let closing = false;

  const serveConnection = (conn: DenoConn) => {
    const abort = new AbortController();
    let active = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const connection: Connection = {
      state: "open",
      server: undefined as unknown as ConnServer,
      // Only while open: once shutdown() or the end has closed Deno's server resource, an abort would throw BadResource
      // from the signal listener, uncaught.
      cut: () => {
        if (connection.state !== "open") return;
        connection.state = "cut";
        abort.abort();
      },
    };
    // Armed while no request is in flight: from accept until a complete head, and between keep-alive requests.
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(connection.cut, idleTimeoutMs);
    };
    const onRequest: ConnHandler = (request, info) => {
      active += 1;
      clearTimeout(timer);
      const done = () => {
        active -= 1;
        if (active === 0 && connection.state === "open") arm();
      };
      info.completed.then(done, done);
      return handler(request, info.remoteAddr.hostname);
    };
    connection.server = internals.serveHttpOnConnection(conn, abort.signal, onRequest, toErrorResponse, () => {});
    connections.add(connection);
    arm();
    const forget = () => {
      connection.state = "done";
      clearTimeout(timer);
      connections.delete(connection);
    };
    connection.server.finished.then(forget, forget);
  };

  const acceptLoop = (async () => {
    let failing = false;
    while (!closing) {
      let conn: DenoConn;
      try {
        conn = await listener.accept();
      } catch (error) {
        if (closing) return;
        // EMFILE and friends: the connection waits in the backlog; try again once descriptors may be free. One line per
        // streak of failures, not one per retry.
        if (!failing) log(`accept failed, retrying every ${ACCEPT_RETRY_MS} ms: ${String(error)}`);
        failing = true;
        await new Promise((resolve) => setTimeout(resolve, ACCEPT_RETRY_MS));
        continue;
      }
      if (failing) log("accepting connections again");
      failing = false;
      if (closing) conn.close();
      else serveConnection(conn);
    }
  })();

  return {
    addr: listener.addr,
    close: async (force) => {
      if (!closing) {
        closing = true;
        listener.close();
      }
      await acceptLoop;
      const all = [...connections];
      if (force) for (const connection of all) connection.cut();
      // A connection already shutting down cannot be cut (see cut): forced, it is waited for, bounded by src/shutdown.ts.
      await Promise.all(
        all.map((connection) => {
          if (connection.state !== "open") return connection.server.finished.catch(() => {});
          connection.state = "closing";
          return connection.server.shutdown().catch(() => {});
        }),
      );
    },
  };
};
