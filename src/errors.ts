// One error type for the whole proxy, and the one table that decides its HTTP status, its OpenAI `type` and
// its Anthropic type (issue 15 item 4): callers name a kind, and for upstream failures carry what the backend
// said; no other file picks a status. Status table follows docs/backend.md §8.7 and STYLE.md "Errors".

/** What went wrong, independent of how it is shown to the client. */
export type ErrorKind =
  | "bad_request" // malformed client input (400, with param)
  | "unauthorized" // client key missing or wrong (401)
  | "forbidden" // a Host or Origin this proxy does not serve (403, docs/security.md)
  | "not_found" // unknown route (404)
  | "method_not_allowed" // known route, other method (405)
  | "request_timeout" // the body did not arrive within --body-timeout (408, connection closed)
  | "payload_too_large" // body over --body-limit (413)
  | "unsupported_media_type" // a Content-Type or Content-Encoding the proxy cannot read (415)
  | "request_header_fields_too_large" // more request headers, or more header bytes, than the proxy reads (431)
  | "rate_limited" // local concurrency cap or upstream 429 (429)
  | "auth_unavailable" // no usable ChatGPT credentials (401)
  | "upstream_unauthorized" // upstream 401/403 after any refresh (401)
  | "upstream_blocked" // HTML 403 from Cloudflare (502)
  | "upstream_error" // upstream 4xx passed on with its own status
  | "upstream_unavailable" // upstream 5xx or network failure (502)
  | "upstream_timeout" // no response headers before the deadline (504)
  | "client_closed" // the client went away (499, logged, never sent)
  | "internal"; // our own bug (500)

/** The error types of Anthropic's envelope (docs/anthropic.md "Errors"). */
export type AnthropicErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "request_too_large"
  | "rate_limit_error"
  | "api_error"
  | "timeout_error"
  | "overloaded_error";

interface KindRow {
  status: number;
  type: string;
  /** The Anthropic type; `undefined` for kinds whose Anthropic type follows the upstream status. */
  anthropic?: AnthropicErrorType;
}

const TABLE: Record<ErrorKind, KindRow> = {
  bad_request: { status: 400, type: "invalid_request_error", anthropic: "invalid_request_error" },
  unauthorized: { status: 401, type: "invalid_request_error", anthropic: "authentication_error" },
  forbidden: { status: 403, type: "invalid_request_error", anthropic: "permission_error" },
  not_found: { status: 404, type: "invalid_request_error", anthropic: "not_found_error" },
  method_not_allowed: { status: 405, type: "invalid_request_error", anthropic: "invalid_request_error" },
  request_timeout: { status: 408, type: "invalid_request_error", anthropic: "timeout_error" },
  payload_too_large: { status: 413, type: "invalid_request_error", anthropic: "request_too_large" },
  unsupported_media_type: { status: 415, type: "invalid_request_error", anthropic: "invalid_request_error" },
  // Anthropic's API has no 431; request_too_large is its type for a request it will not read whole.
  request_header_fields_too_large: { status: 431, type: "invalid_request_error", anthropic: "request_too_large" },
  rate_limited: { status: 429, type: "rate_limit_error", anthropic: "rate_limit_error" },
  auth_unavailable: { status: 401, type: "authentication_error", anthropic: "authentication_error" },
  upstream_unauthorized: { status: 401, type: "authentication_error", anthropic: "authentication_error" },
  upstream_blocked: { status: 502, type: "upstream_error", anthropic: "api_error" },
  upstream_error: { status: 400, type: "upstream_error" },
  upstream_unavailable: { status: 502, type: "upstream_error" },
  upstream_timeout: { status: 504, type: "upstream_error", anthropic: "timeout_error" },
  // Never read by anyone; 499 so the log line and metrics count it as the client gone.
  client_closed: { status: 499, type: "client_closed", anthropic: "api_error" },
  internal: { status: 500, type: "server_error", anthropic: "api_error" },
};

/** Status of a failure inside a 200 stream by its `response.error.code` (§6.7); any other code, or none → 502. */
const STATUS_BY_FAILURE_CODE: Readonly<Record<string, number>> = {
  context_length_exceeded: 400,
  invalid_prompt: 400,
  insufficient_quota: 429,
  rate_limit_exceeded: 429,
  usage_not_included: 403,
  server_is_overloaded: 503,
  slow_down: 503,
  stream_truncated: 502, // the proxy's own code: the stream ended before a terminal event
};

/** The status a stream failure gets, from its code (§6.7). */
export const failureStatus = (code: string | null): number => (code !== null ? STATUS_BY_FAILURE_CODE[code] : undefined) ?? 502;

/** Anthropic's "overloaded" status, which its clients retry with backoff. */
export const OVERLOADED_STATUS = 529;
/** Codes that mean the backend is out of capacity (spec §6.6, §6.7). */
const OVERLOADED_CODES = new Set(["server_is_overloaded", "slow_down"]);

/** Anthropic type per upstream status, for the kinds that pass the backend's status on. */
const anthropicForStatus = (status: number): { type: AnthropicErrorType; status: number } => {
  if (status === 503) return { type: "overloaded_error", status: OVERLOADED_STATUS };
  if (status >= 500) return { type: "api_error", status };
  const type: AnthropicErrorType =
    status === 401
      ? "authentication_error"
      : status === 403
        ? "permission_error"
        : status === 404
          ? "not_found_error"
          : status === 413
            ? "request_too_large"
            : status === 429
              ? "rate_limit_error"
              : "invalid_request_error";
  return { type, status };
};

const BRAND = Symbol.for("godex.ProxyError");

/** What the backend itself said, for the upstream kinds: its HTTP status (or the one §6.7 gives a stream failure) and its error type. */
export interface UpstreamSaid {
  status?: number;
  type?: string | null;
}

export interface ProxyErrorInit {
  message: string;
  /** Only for `upstream_error` (status and type passed on) and `rate_limited`/`upstream_unavailable` (type, status kept for the record). */
  upstream?: UpstreamSaid;
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
  /** The backend's own HTTP status, when it sent one (an `upstream_unavailable` is 502 whatever 5xx it was). */
  readonly upstreamStatus: number | undefined;
  readonly code: string | null;
  readonly param: string | null;
  readonly headers: Record<string, string>;
  readonly extra: Record<string, unknown>;

  constructor(kind: ErrorKind, init: ProxyErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = kind;
    const row = TABLE[kind];
    this.upstreamStatus = init.upstream?.status;
    // Only an upstream 4xx (or a stream failure's §6.7 status) is passed on; every other kind has its table status.
    this.status = kind === "upstream_error" ? (init.upstream?.status ?? row.status) : row.status;
    this.type = init.upstream?.type ?? (kind === "upstream_error" && this.status === 400 ? "invalid_request_error" : row.type);
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

/** Anthropic's status and type for a ProxyError: the same table, its Anthropic column. */
export const toAnthropicKind = (error: ProxyError): { type: AnthropicErrorType; status: number } => {
  if (error.code !== null && OVERLOADED_CODES.has(error.code)) return { type: "overloaded_error", status: OVERLOADED_STATUS };
  if (error.kind === "bad_request" || error.kind === "payload_too_large" || error.kind === "unsupported_media_type") {
    return { type: TABLE[error.kind].anthropic ?? "invalid_request_error", status: error.status };
  }
  if (error.kind === "upstream_unavailable") {
    return error.upstreamStatus === 503 ? { type: "overloaded_error", status: OVERLOADED_STATUS } : { type: "api_error", status: 502 };
  }
  if (error.kind === "upstream_error") return anthropicForStatus(error.status);
  return { type: TABLE[error.kind].anthropic ?? "api_error", status: error.status };
};
