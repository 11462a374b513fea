// One error type for the whole proxy and the single place that turns it into an OpenAI-shaped body.
// Status table follows docs/backend.md §8.7 and STYLE.md "Errors".

/** What went wrong, independent of how it is shown to the client. */
export type ErrorKind =
  | "bad_request" // malformed client input (400, with param)
  | "unauthorized" // client key missing or wrong (401)
  | "forbidden" // a Host or Origin this proxy does not serve (403, docs/security.md)
  | "not_found" // unknown route (404)
  | "method_not_allowed" // known route, other method (405)
  | "payload_too_large" // body over --body-limit (413)
  | "rate_limited" // local concurrency cap or upstream 429 (429)
  | "auth_unavailable" // no usable ChatGPT credentials (401)
  | "upstream_unauthorized" // upstream 401/403 after any refresh (401)
  | "upstream_blocked" // HTML 403 from Cloudflare (502)
  | "upstream_error" // upstream 4xx passed on with its own status
  | "upstream_unavailable" // upstream 5xx or network failure (502)
  | "upstream_timeout" // no response headers before the deadline (504)
  | "client_closed" // the client went away (499, logged, never sent)
  | "internal"; // our own bug (500)

const DEFAULTS: Record<ErrorKind, { status: number; type: string }> = {
  bad_request: { status: 400, type: "invalid_request_error" },
  unauthorized: { status: 401, type: "invalid_request_error" },
  forbidden: { status: 403, type: "invalid_request_error" },
  not_found: { status: 404, type: "invalid_request_error" },
  method_not_allowed: { status: 405, type: "invalid_request_error" },
  payload_too_large: { status: 413, type: "invalid_request_error" },
  rate_limited: { status: 429, type: "rate_limit_error" },
  auth_unavailable: { status: 401, type: "authentication_error" },
  upstream_unauthorized: { status: 401, type: "authentication_error" },
  upstream_blocked: { status: 502, type: "upstream_error" },
  upstream_error: { status: 400, type: "upstream_error" },
  upstream_unavailable: { status: 502, type: "upstream_error" },
  upstream_timeout: { status: 504, type: "upstream_error" },
  client_closed: { status: 499, type: "client_closed" },
  internal: { status: 500, type: "server_error" },
};

const BRAND = Symbol.for("godex.ProxyError");

export interface ProxyErrorInit {
  message: string;
  status?: number;
  type?: string;
  code?: string | null;
  param?: string | null;
  headers?: Record<string, string>;
  /** Extra fields kept inside `error` (for example a 429's `resets_at`). */
  extra?: Record<string, unknown>;
  cause?: unknown;
}

/** The proxy's only error: a kind, an HTTP status and the OpenAI envelope fields. */
export class ProxyError extends Error {
  readonly [BRAND] = true;
  readonly kind: ErrorKind;
  readonly status: number;
  readonly type: string;
  readonly code: string | null;
  readonly param: string | null;
  readonly headers: Record<string, string>;
  readonly extra: Record<string, unknown>;

  constructor(kind: ErrorKind, init: ProxyErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = kind;
    this.status = init.status ?? DEFAULTS[kind].status;
    this.type = init.type ?? DEFAULTS[kind].type;
    this.code = init.code ?? null;
    this.param = init.param ?? null;
    this.headers = init.headers ?? {};
    this.extra = init.extra ?? {};
  }
}

/** True for any ProxyError, even one from another copy of this module (brand check). */
export const isProxyError = (value: unknown): value is ProxyError =>
  typeof value === "object" && value !== null && (value as { [BRAND]?: boolean })[BRAND] === true;

/** A 400 naming the offending field. */
export const badRequest = (message: string, param: string | null = null, code: string | null = null): ProxyError =>
  new ProxyError("bad_request", { message, param, code });

/** The OpenAI error envelope as a plain object. */
export const toErrorBody = (error: ProxyError) => ({
  error: { message: error.message, type: error.type, param: error.param, code: error.code, ...error.extra },
});

/** Anything thrown → an OpenAI-shaped JSON response; unknown throws become a 500 without detail. */
export const toErrorResponse = (thrown: unknown): Response => {
  const error = isProxyError(thrown) ? thrown : new ProxyError("internal", { message: "internal error", cause: thrown });
  return new Response(JSON.stringify(toErrorBody(error)), {
    status: error.status,
    headers: { "content-type": "application/json", ...error.headers },
  });
};
