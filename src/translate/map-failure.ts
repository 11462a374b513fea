// Upstream failure inside a 200 stream → one ProxyError (docs/backend.md §6.7; body shape §8.7); its status by code
// comes from errors.ts.
// API-agnostic: the chat error chunk, the chat non-stream fold and the /v1/responses fold all read it.
import { failureStatus, ProxyError } from "../errors.ts";
import { isObject } from "../json.ts";
import type { TerminalEvent } from "../schemas/upstream-event.ts";

const TRUNCATED_MESSAGE =
  "The upstream stream ended before a terminal event (response.completed, response.incomplete or response.failed). You can retry your request.";

const text = (value: unknown): string | null => (typeof value === "string" && value !== "" ? value : null);

/** Where the error fields live: `response.error` of `response.failed`; top level or nested `error` of an `error` event (§5.4). */
const readFailure = (event: TerminalEvent) => {
  if (event.type !== "error") {
    const response = event.response ?? {};
    const error = isObject(response.error) ? response.error : {};
    return { code: text(error.code), message: text(error.message), type: text(error.type), param: text(error.param) };
  }
  // An `error` event keeps its fields at top level, but some gateways nest them; its own `type` is the event name.
  const nested = isObject(event.error) ? event.error : {};
  return {
    code: text(nested.code) ?? text(event.code),
    message: text(nested.message) ?? text(event.message),
    type: text(nested.type),
    param: text(nested.param) ?? text(event.param),
  };
};

/** "Please try again in 2.5s" / "28ms" / "35 seconds" (§6.7) → whole seconds for `retry-after`, rounded up. */
const retryAfterSeconds = (message: string): number | null => {
  const match = /try again in\s+(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|secs?|seconds?)\b/i.exec(message);
  if (!match) return null;
  const amount = Number(match[1]);
  const seconds = match[2]?.toLowerCase().startsWith("m") ? amount / 1000 : amount;
  return Math.max(1, Math.ceil(seconds));
};

/**
 * Maps a `response.failed` event, an `error` event, or `null` (upstream EOF without a terminal event,
 * code `stream_truncated`) to a ProxyError carrying the upstream message and code; status per §6.7.
 */
export const toProxyErrorFromFailure = (event: TerminalEvent | null): ProxyError => {
  if (event === null) {
    return new ProxyError("upstream_error", { message: TRUNCATED_MESSAGE, code: "stream_truncated", upstream: { status: failureStatus("stream_truncated") } });
  }
  const failure = readFailure(event);
  const status = failureStatus(failure.code);
  const message = failure.message ?? `The upstream response failed${failure.code ? ` (${failure.code})` : ""}.`;
  const retryAfter = status === 429 ? retryAfterSeconds(message) : null;
  return new ProxyError("upstream_error", {
    message,
    upstream: { status, type: failure.type ?? "upstream_error" },
    code: failure.code,
    param: failure.param,
    headers: retryAfter === null ? {} : { "retry-after": String(retryAfter) },
  });
};
