// Who may talk to the proxy besides local programs (issue 18 item 1, red team D3; docs/security.md): a Host check
// against DNS rebinding, an Origin check against web pages, and CORS for the origins listed in --cors-origins.
// Browsers always send Host, and Origin on every cross-origin POST; other clients (SDKs, curl, CLIs) send no Origin.
import { ProxyError } from "../errors.ts";
import { hostName, isLoopbackName } from "../host-name.ts";
import { hasClientKey } from "./client-auth.ts";

export interface ExposureOptions {
  listen: { host: string };
  apiKey?: string;
  allowAnyKey: boolean;
  /** --allowed-hosts: extra Host names (lower case, no port). */
  allowedHosts: readonly string[];
  /** --cors-origins: origins (`scheme://host[:port]`) or `*`. */
  corsOrigins: readonly string[];
}

const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const WILDCARD = new Set(["0.0.0.0", "::", ""]);

const isIpLiteral = (name: string): boolean => IPV4.test(name) || name.includes(":");

/**
 * Host names a page on another site cannot point at this listener: loopback names and addresses, the --listen
 * host, and --allowed-hosts. On a wildcard --listen (0.0.0.0, ::) any IP address literal too: DNS rebinding needs
 * a name, and health checks and LAN clients use the machine's address.
 */
const hostAllowed = (name: string, options: ExposureOptions): boolean => {
  if (isLoopbackName(name) || options.allowedHosts.includes(name)) return true;
  const listen = hostName(options.listen.host);
  if (name === listen) return true;
  return WILDCARD.has(listen) && isIpLiteral(name);
};

const forbidden = (message: string, code: string) => new ProxyError("forbidden", { message, code });

/** The allowed origin a request comes from, null when it sends none, or a 403 for a foreign one. */
const checkOrigin = (request: Request, options: ExposureOptions): string | null => {
  const origin = request.headers.get("origin");
  const site = request.headers.get("sec-fetch-site")?.toLowerCase();
  if (origin === null) {
    // A no-cors GET from a page (an <img>, a <script>) carries no Origin but says where it comes from.
    if (site === "cross-site" || site === "same-site") {
      throw forbidden("Requests from web pages are refused (Sec-Fetch-Site: cross-site); browser apps must be listed in --cors-origins.", "origin_not_allowed");
    }
    return null;
  }
  if (options.corsOrigins.includes("*") || options.corsOrigins.includes(origin)) return origin;
  // A client that sends the configured key is trusted with it, whatever its Origin (Electron apps, extensions):
  // a page cannot add Authorization to a cross-origin request without a preflight, which is refused below.
  if (options.apiKey !== undefined && hasClientKey(request, options.apiKey)) return null;
  throw forbidden(
    `Requests from the web page ${JSON.stringify(origin.slice(0, 100))} are refused: start the proxy with --cors-origins ${origin.slice(0, 100)} to let a browser app use it.`,
    "origin_not_allowed",
  );
};

/** Throws a 403 unless the Host and Origin may reach the proxy; returns the origin to answer with CORS headers. */
export const checkExposure = (request: Request, options: ExposureOptions, checkHost: boolean): string | null => {
  const host = request.headers.get("host");
  if (checkHost && host !== null) {
    const name = hostName(host);
    const keyOpensAnyHost = !isLoopbackName(hostName(options.listen.host)) && options.apiKey !== undefined && hasClientKey(request, options.apiKey);
    if (!hostAllowed(name, options) && !keyOpensAnyHost) {
      throw forbidden(
        `Host ${JSON.stringify(host.slice(0, 100))} is not this proxy's address: use http://127.0.0.1 or http://localhost, or start the proxy with --allowed-hosts ${name.slice(0, 100)}.`,
        "host_not_allowed",
      );
    }
  }
  return checkOrigin(request, options);
};

/** Headers every answer to an allowed origin carries (never Access-Control-Allow-Credentials: no cookies are used). */
export const corsHeaders = (origin: string, options: ExposureOptions): Record<string, string> => ({
  "access-control-allow-origin": options.corsOrigins.includes("*") ? "*" : origin,
  "access-control-expose-headers": "retry-after, server-timing, x-request-id, x-should-retry",
  vary: "Origin",
});

/** The answer to a CORS preflight from an allowed origin: 204, the methods and the headers it asked for. */
export const preflightResponse = (request: Request, origin: string, options: ExposureOptions): Response => {
  const asked = request.headers.get("access-control-request-headers");
  return new Response(null, {
    status: 204,
    headers: {
      ...corsHeaders(origin, options),
      "access-control-allow-methods": "GET, HEAD, POST, OPTIONS",
      ...(asked ? { "access-control-allow-headers": asked.slice(0, 2000) } : {}),
      "access-control-max-age": "600",
      vary: "Origin, Access-Control-Request-Headers",
    },
  });
};

/** True for a CORS preflight (OPTIONS with Access-Control-Request-Method). */
export const isPreflight = (request: Request): boolean => request.method === "OPTIONS" && request.headers.has("access-control-request-method");
