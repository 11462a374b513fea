// ProxyError → Anthropic's error shape and status (issue 17 item 6; docs/anthropic.md "Errors"):
// `{"type":"error","error":{"type":…,"message":…}}`, as an HTTP body before a stream and as `event: error` inside one.
// The status and type come from errors.ts's table; this file words the message and sets the retry headers.
import { type AnthropicErrorType, isProxyError, ProxyError, toAnthropicKind } from "../errors.ts";

export interface AnthropicError {
  status: number;
  body: { type: "error"; error: { type: AnthropicErrorType; message: string } };
  headers: Record<string, string>;
}

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

/** The Anthropic status, body and headers for anything thrown (an unknown throw is a 500 without detail). */
export const toAnthropicError = (thrown: unknown): AnthropicError => {
  const error = isProxyError(thrown) ? thrown : new ProxyError("internal", { message: "internal error", cause: thrown });
  const { type, status } = toAnthropicKind(error);
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
