// The Node entry's listener: srvx on node:http, with --idle-timeout as node:http's head and keep-alive deadlines
// (red team D4), the request body read straight from the IncomingMessage, and the close of red team D18.
import { serve } from "srvx/node";
import type { Host, Listen } from "../../src/start.ts";
import { readNodeBody } from "./node-body.ts";
import { closeNodeServer } from "./node-close.ts";

/** Node's request (whole head and body) deadline: its own 300 s default, never below the head deadline (Node refuses that). */
const REQUEST_TIMEOUT_MS = 300_000;

// The head deadline covers a silent or half-sent head, keepAliveTimeout the wait between requests. Node checks head
// and request deadlines every connectionsCheckingInterval (30 s by default, which let an idle connection live 90 s),
// so it runs at least every second.
const nodeConnectionTimeouts = (idleTimeoutMs: number) => ({
  headersTimeout: idleTimeoutMs,
  keepAliveTimeout: idleTimeoutMs,
  requestTimeout: Math.max(REQUEST_TIMEOUT_MS, idleTimeoutMs),
  connectionsCheckingInterval: Math.min(1_000, idleTimeoutMs),
});

export const serveNode: Host["serve"] = async (handler, { hostname, port, idleTimeoutMs }: Listen) => {
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
};
