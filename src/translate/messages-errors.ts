// ProxyError → Anthropic's error shape and status (issue 17 item 6; docs/anthropic.md "Errors"):
// `{"type":"error","error":{"type":…,"message":…}}`, as an HTTP body before a stream and as `event: error` inside one.
import { isProxyError, ProxyError } from "../errors.ts";

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

export interface AnthropicError {
  status: number;
  body: { type: "error"; error: { type: AnthropicErrorType; message: string } };
  headers: Record<string, string>;
}

/** Anthropic's "overloaded" status, which its clients retry with backoff. */
export const OVERLOADED_STATUS = 529;

/** Codes that mean the backend is out of capacity (spec §6.6, §6.7). */
const OVERLOADED_CODES = new Set(["server_is_overloaded", "slow_down"]);
/** Limits that lift only when a usage window resets: retrying in seconds cannot help (spec §6.5). */
const WINDOW_CODES = new Set(["usage_limit_reached", "usage_not_included", "insufficient_quota"]);

/** Claude Code recovers from an over-long context by compacting when the message says this (docs/anthropic.md). */
export const PROMPT_TOO_LONG = "prompt is too long";

const resetText = (error: ProxyError): string => {
  const at = error.extra.resets_at;
  if (typeof at !== "number" || !Number.isFinite(at)) return "";
  const when = new Date(at * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
  return ` The limit resets at ${when}.`;
};

const typeFor = (error: ProxyError, status: number): { type: AnthropicErrorType; status: number } => {
  if (error.code !== null && OVERLOADED_CODES.has(error.code)) return { type: "overloaded_error", status: OVERLOADED_STATUS };
  switch (error.kind) {
    case "bad_request":
      return { type: status === 413 ? "request_too_large" : "invalid_request_error", status };
    case "unauthorized":
    case "auth_unavailable":
    case "upstream_unauthorized":
      return { type: "authentication_error", status: 401 };
    case "forbidden":
      return { type: "permission_error", status: 403 };
    case "not_found":
      return { type: "not_found_error", status: 404 };
    case "method_not_allowed":
      return { type: "invalid_request_error", status: 405 };
    case "payload_too_large":
      return { type: "request_too_large", status: 413 };
    case "rate_limited":
      return { type: "rate_limit_error", status: 429 };
    case "upstream_timeout":
      return { type: "timeout_error", status: 504 };
    case "upstream_unavailable":
      // classify-failure folds every 5xx into 502 and keeps the upstream status in its fixed message.
      return /\bHTTP 503\b/.test(error.message) ? { type: "overloaded_error", status: OVERLOADED_STATUS } : { type: "api_error", status: 502 };
    case "client_closed":
      // Never read by anyone; 499 so the log line and metrics count it as the client gone (issue 15 item 4).
      return { type: "api_error", status: 499 };
    case "upstream_blocked":
    case "internal":
      return { type: "api_error", status: status >= 500 ? status : 502 };
    case "upstream_error":
      if (status === 400) return { type: "invalid_request_error", status };
      if (status === 401) return { type: "authentication_error", status };
      if (status === 403) return { type: "permission_error", status };
      if (status === 404) return { type: "not_found_error", status };
      if (status === 413) return { type: "request_too_large", status };
      if (status === 429) return { type: "rate_limit_error", status };
      if (status === 503) return { type: "overloaded_error", status: OVERLOADED_STATUS };
      if (status >= 500) return { type: "api_error", status };
      return { type: "invalid_request_error", status };
  }
};

/** The Anthropic status, body and headers for anything thrown (an unknown throw is a 500 without detail). */
export const toAnthropicError = (thrown: unknown): AnthropicError => {
  const error = isProxyError(thrown) ? thrown : new ProxyError("internal", { message: "internal error", cause: thrown });
  const { type, status } = typeFor(error, error.status);
  let message = error.message;
  if (error.code === "context_length_exceeded" && !message.toLowerCase().includes(PROMPT_TOO_LONG)) message = `${PROMPT_TOO_LONG}: ${message}`;
  const headers: Record<string, string> = { ...error.headers };
  if (type === "rate_limit_error") {
    message += resetText(error);
    // The Anthropic SDK retries every 429 (and 529) unless told not to; a usage window lifts in hours, not seconds.
    const code = error.code ?? (typeof error.extra.type === "string" ? error.extra.type : null);
    if (code !== null && WINDOW_CODES.has(code)) headers["x-should-retry"] = "false";
  }
  return { status, body: { type: "error", error: { type, message } }, headers };
};

/** The JSON response for a failure before any byte was sent. */
export const toAnthropicErrorResponse = (thrown: unknown): Response => {
  const rendered = toAnthropicError(thrown);
  return new Response(JSON.stringify(rendered.body), {
    status: rendered.status,
    headers: { "content-type": "application/json", ...rendered.headers },
  });
};
