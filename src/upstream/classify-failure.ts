// Upstream failures before the stream → ProxyError (spec §6, §8.7; STYLE.md "Errors"). Messages for network
// failures are fixed: no host, port or runtime error text reaches the client.
import { ProxyError } from "../errors.ts";
import { isObject, parseJson } from "../json.ts";

export type AbortCause = "client" | "deadline";

/** A thrown fetch error → 499 (client gone), 504 (no headers in time) or 502 (network). */
export const classifyThrown = (error: unknown, cause: AbortCause | undefined): ProxyError => {
  if (cause === "client") return new ProxyError("client_closed", { message: "client closed the request", cause: error });
  if (cause === "deadline") {
    return new ProxyError("upstream_timeout", { message: "The Codex backend did not answer in time (--header-timeout); please retry.", cause: error });
  }
  return new ProxyError("upstream_unavailable", { message: "Could not reach the Codex backend; please retry.", cause: error });
};

interface UpstreamErrorFields {
  message: string;
  type?: string;
  code?: string | null;
  param?: string | null;
  extra: Record<string, unknown>;
}

/** error.message → detail → raw text (spec §6.1), with the envelope fields when present. */
export const readUpstreamError = (text: string): UpstreamErrorFields => {
  const body = parseJson(text);
  if (body === undefined) return { message: text.trim().slice(0, 500) || "empty response body", extra: {} };
  if (isObject(body) && isObject(body.error)) {
    const { message, type, code, param, ...extra } = body.error;
    return {
      message: typeof message === "string" ? message : JSON.stringify(body.error),
      type: typeof type === "string" ? type : undefined,
      code: typeof code === "string" ? code : null,
      param: typeof param === "string" ? param : null,
      extra,
    };
  }
  if (isObject(body) && typeof body.detail === "string") return { message: body.detail, extra: {} };
  return { message: text.trim().slice(0, 500), extra: {} };
};

const USAGE_LIMIT = /usage_limit_reached|usage_not_included|rate_limit_exceeded|usage limit/i;

/** Seconds until a 429 lifts: resets_in_seconds, else resets_at − now, else the upstream Retry-After. */
const retryAfterSeconds = (fields: UpstreamErrorFields, headers: Headers, nowMs: number): number | undefined => {
  const inSeconds = fields.extra.resets_in_seconds;
  if (typeof inSeconds === "number" && inSeconds >= 0) return Math.ceil(inSeconds);
  const at = fields.extra.resets_at;
  if (typeof at === "number") return Math.max(0, Math.ceil(at - nowMs / 1000));
  const header = Number(headers.get("retry-after"));
  return Number.isFinite(header) && header >= 0 && headers.has("retry-after") ? Math.ceil(header) : undefined;
};

/** x-codex-* headers kept on a 429 so clients can see the windows (spec §8.7). */
const codexHeaders = (headers: Headers): Record<string, string> => {
  const out: Record<string, string> = {};
  headers.forEach((value, key) => {
    if (key.startsWith("x-codex-")) out[key] = value;
  });
  return out;
};

/** A non-2xx upstream response (after any refresh) → the error the client gets. */
export const classifyStatus = (status: number, headers: Headers, text: string, nowMs: number): ProxyError => {
  const isHtml = /text\/html/i.test(headers.get("content-type") ?? "") || /^\s*<(!doctype|html)/i.test(text);
  // docs/backend.md §13.6 [REPORTED]: Cloudflare challenges datacenter and serverless egress (edge runtimes
  // included) with a 403 carrying `cf-mitigated: challenge` or an HTML page. No login can fix that.
  const challenged = /challenge/i.test(headers.get("cf-mitigated") ?? "");
  if (status === 403 && (isHtml || challenged)) {
    return new ProxyError("upstream_blocked", {
      message:
        "A Cloudflare challenge in front of the Codex backend blocked this network (HTTP 403" +
        (challenged ? ", cf-mitigated: challenge" : ", an HTML page") +
        "). Datacenter and serverless addresses (edge deployments included) are often challenged: run the proxy from another network, such as a residential one.",
      code: "upstream_blocked",
    });
  }
  // §13.6 [REPORTED: openai/codex#42534, #42553]: backend-wide outages answered 404 with an empty body.
  if (status === 404 && text.trim() === "") {
    return new ProxyError("upstream_unavailable", {
      message: "The Codex backend answered 404 with an empty body, which it does during outages (not a missing model); please retry later.",
      code: "upstream_unavailable",
    });
  }
  const fields = isHtml ? { message: `HTTP ${status} from the Codex backend`, extra: {} } : readUpstreamError(text);
  if (status === 401 || status === 403) {
    return new ProxyError("upstream_unauthorized", {
      message: `The ChatGPT login is missing or expired (${fields.message}): run \`codex login\`, or start the proxy with --allow-refresh.`,
      code: fields.code ?? null,
    });
  }
  if (status === 429 || (status === 404 && USAGE_LIMIT.test(text))) {
    const retryAfter = retryAfterSeconds(fields, headers, nowMs);
    const extra = { ...fields.extra };
    return new ProxyError("rate_limited", {
      message: fields.message,
      upstream: { status, type: fields.type },
      code: fields.code ?? (typeof fields.type === "string" ? fields.type : null),
      param: fields.param ?? null,
      headers: { ...codexHeaders(headers), ...(retryAfter === undefined ? {} : { "retry-after": String(retryAfter) }) },
      extra,
    });
  }
  if (status >= 500) {
    return new ProxyError("upstream_unavailable", {
      message: `The Codex backend failed (HTTP ${status}: ${fields.message}); please retry.`,
      code: fields.code ?? null,
      upstream: { status },
    });
  }
  return new ProxyError("upstream_error", {
    message: fields.message,
    upstream: { status, type: fields.type },
    code: fields.code ?? null,
    param: fields.param ?? null,
    extra: fields.extra,
  });
};
