// Cloudflare workerd entry (issue #11): a module worker that builds the proxy from its bindings instead of flags and
// files, once per isolate. Bundled to dist/worker.js; see docs/edge.md.
// Imported directly rather than through the barrel, so the bundle holds only what the edge runs and stays web-only.
import { createEdgeProxy } from "../src/edge-proxy.ts";
import type { Proxy } from "../src/proxy.ts";

/** The part of workerd's ExecutionContext we use: work that may outlive the response (log line, cache writes). */
interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}

// `env` is one object for the life of an isolate; a new deployment (new secret or vars) gets a new isolate.
const proxies = new WeakMap<object, Proxy>();

const proxyFor = (env: Record<string, unknown>): Proxy => {
  let proxy = proxies.get(env);
  if (proxy === undefined) {
    proxy = createEdgeProxy(env, {
      fetch: (input, init) => fetch(input, init),
      now: Date.now, // advances only across I/O inside a request (Spectre mitigation): timings are coarse
      randomId: () => crypto.randomUUID().replace(/-/g, ""),
      write: (line) => console.log(line),
    });
    proxies.set(env, proxy);
  }
  return proxy;
};

export default {
  fetch(request: Request, env: Record<string, unknown>, ctx: ExecutionContext): Promise<Response> {
    return proxyFor(env).fetch(request, {
      // Cloudflare's edge sets CF-Connecting-IP to the client's address; there is no socket to ask.
      remoteAddress: request.headers.get("cf-connecting-ip") ?? undefined,
      waitUntil: (promise) => ctx.waitUntil(promise),
    });
  },
};
