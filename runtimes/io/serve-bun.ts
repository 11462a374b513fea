// The Bun entry's listener: Bun.serve with --idle-timeout between requests and none during one (red team D4,
// oven-sh/bun#27479), and never Bun's developer error page (red team D13).
import { toErrorResponse } from "../../src/errors.ts";
import type { Host, Listen } from "../../src/start.ts";

declare const Bun: {
  serve(options: {
    hostname: string;
    port: number;
    idleTimeout: number;
    development: boolean;
    error: (error: Error) => Response;
    fetch: (
      request: Request,
      server: { requestIP(request: Request): { address: string } | null; timeout(request: Request, seconds: number): void },
    ) => Promise<Response>;
  }): { url: URL; stop(closeActiveConnections?: boolean): Promise<void> };
};

/** Bun.serve's largest idleTimeout, in seconds. */
const BUN_IDLE_TIMEOUT_MAX_S = 255;

export const serveBun: Host["serve"] = async (handler, { hostname, port, idleTimeoutMs, keepAliveMs }: Listen) => {
  const idleSeconds = Math.min(BUN_IDLE_TIMEOUT_MAX_S, Math.ceil(idleTimeoutMs / 1_000));
  // A streamed answer keeps its connection busy with a keep-alive comment at least every --keep-alive, so its
  // timer allows two of those gaps; after the stream the connection waits that long for its next request.
  const streamSeconds = Math.min(BUN_IDLE_TIMEOUT_MAX_S, Math.max(idleSeconds, Math.ceil((2 * keepAliveMs) / 1_000)));
  const server = Bun.serve({
    hostname,
    port,
    // --idle-timeout, in whole seconds (Bun's unit, at most 255), for an idle keep-alive connection (red team D4).
    // A connection that never completes a head is Bun's own business: it closes it after about 10 s (OBSERVED).
    idleTimeout: idleSeconds,
    // Never Bun's developer error page (cwd, sources, stack) to a client (red team D13): a plain JSON 500.
    development: false,
    error: toErrorResponse,
    fetch: async (request, srv) => {
      // No timer while the handler works: a quiet stream:false answer can take minutes (oven-sh/bun#27479). A
      // timeout set here lasts for the connection, not the request (OBSERVED), so it is set again with the answer.
      srv.timeout(request, 0);
      const response = await handler(request, { remoteAddress: srv.requestIP(request)?.address });
      srv.timeout(request, response.headers.get("content-type")?.startsWith("text/event-stream") ? streamSeconds : idleSeconds);
      return response;
    },
  });
  return { url: server.url.href, close: (force) => server.stop(force) };
};
