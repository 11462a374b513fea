// The Node entry's server close (red team D18): a connection whose stream ends during the grace period goes back to
// keep-alive and would hold the exit for Node's 5 s keep-alive timeout, so while closing, idle connections are
// closed as soon as they are idle (every 100 ms).
import type { Server } from "srvx";

export const closeNodeServer = (server: Server, force: boolean): Promise<void> => {
  const http = server.node?.server;
  const sweep = setInterval(() => http && "closeIdleConnections" in http && http.closeIdleConnections(), 100);
  sweep.unref();
  return server.close(force).finally(() => clearInterval(sweep));
};
