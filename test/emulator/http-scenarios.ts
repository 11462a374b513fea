// Answers that are not event streams: B8 usage-limit, B9 rate-limit, B16 http-error (spec §6.5, §12.2), and the
// §5.1/§6.8 headers of every 200 stream, with reset times recomputed from the emulator clock.
import { STREAM_HEADERS, USAGE_LIMIT_FREE, USAGE_LIMIT_PLUS, httpErrorEntry, type HttpFixture } from "./fixtures.ts";
import { isObject } from "./wire.ts";

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  /** A JSON value, or a string sent as-is (the 403 HTML page). */
  body: unknown;
}

/**
 * Rewrites `x-codex-*-reset-at` to now + the matching `-reset-after-seconds`; without that header the fixture value
 * is kept, and empty values stay empty (§6.8, usage-limit-429-free.json).
 */
export function withResetTimes(headers: Record<string, string>, nowSec: number): Record<string, string> {
  const out = { ...headers };
  for (const [name, value] of Object.entries(headers)) {
    if (!name.endsWith("-reset-at") || value === "") continue;
    const after = headers[name.replace(/-reset-at$/, "-reset-after-seconds")];
    if (after !== undefined && after !== "") out[name] = String(nowSec + Number(after));
  }
  return out;
}

/** Headers for a 200 stream: stream-response-headers.json with clock-based resets and a fresh request id. */
export function streamHeaders(nowSec: number, extra: Record<string, string> = {}): Record<string, string> {
  return { ...withResetTimes(STREAM_HEADERS.headers, nowSec), "x-oai-request-id": crypto.randomUUID(), ...extra };
}

/** B8: the usage-limit 429 with `resets_at = now + resets_in_seconds` and clock-based limit headers; no Retry-After. */
export function usageLimitAnswer(plan: "plus" | "free", nowSec: number, extra: Record<string, string> = {}): HttpAnswer {
  const fixture: HttpFixture = plan === "free" ? USAGE_LIMIT_FREE : USAGE_LIMIT_PLUS;
  const body = structuredClone(fixture.body) as Record<string, unknown>;
  const error = isObject(body.error) ? body.error : {};
  if (typeof error.resets_in_seconds === "number") error.resets_at = nowSec + error.resets_in_seconds;
  return { status: fixture.status, headers: { ...withResetTimes(fixture.headers, nowSec), ...extra }, body };
}

/** B9 / B16: an http-errors.json entry by name (B9 is `rate-limit-429-generic`, with Retry-After: 2). */
export function httpErrorAnswer(name: string, extra: Record<string, string> = {}): HttpAnswer {
  const entry = httpErrorEntry(name);
  return { status: entry.status, headers: { ...entry.headers, ...extra }, body: structuredClone(entry.body) };
}
