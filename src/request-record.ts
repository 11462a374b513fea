// One record per client request, written as one log line when the body finishes (STYLE.md "Logging").
import { toChatUsage } from "./translate/map-usage.ts";
import type { Logger } from "./log.ts";

/**
 * The request's URL, also when it is only a path: Bun gives `request.url` = "/health" for an HTTP/1.0 request
 * without `Host` (red team D13; HAProxy's default health check), and `new URL("/health")` throws.
 */
export const requestUrl = (request: Request): URL => new URL(request.url, "http://localhost");

export interface RequestRecord {
  method: string;
  path: string;
  startedAt: number;
  status?: number;
  stream?: boolean;
  model?: string;
  session?: string;
  upstreamStatus?: number;
  /** `Server-Timing` once the upstream call was made; error responses after it carry it too. */
  serverTiming?: string;
  firstByteAt?: number;
  usage?: Record<string, unknown>;
  outcome?: string;
  /** Set by streaming routes: the line is written when the body ends, not at headers. */
  deferred: boolean;
  /** Writes the line once; `outcome` overrides (e.g. client_closed). */
  end(outcome?: string): void;
  /** Runs once when the record ends, before the log line is written (metrics, stream slots). */
  onEnd: ((record: RequestRecord) => void)[];
  /** Keeps post-response work alive on runtimes that need it (workerd). */
  waitUntil(promise: Promise<unknown>): void;
}

export const createRequestRecord = (args: {
  request: Request;
  now: () => number;
  logger: Logger;
  logRequests: boolean;
  waitUntil?: (promise: Promise<unknown>) => void;
}): RequestRecord => {
  const url = requestUrl(args.request);
  let ended = false;
  const record: RequestRecord = {
    method: args.request.method,
    path: url.pathname,
    startedAt: args.now(),
    deferred: false,
    onEnd: [],
    end(outcome) {
      if (ended) return;
      ended = true;
      if (outcome) record.outcome = outcome;
      for (const hook of record.onEnd) hook(record);
      if (!args.logRequests) return;
      const usage = toChatUsage(record.usage);
      args.logger.info("request", {
        method: record.method,
        path: record.path,
        status: record.status,
        ms: args.now() - record.startedAt,
        ttfb_ms: record.firstByteAt === undefined ? undefined : record.firstByteAt - record.startedAt,
        stream: record.stream,
        model: record.model,
        upstream: record.upstreamStatus,
        outcome: record.outcome ?? (record.status !== undefined && record.status < 400 ? "ok" : "error"),
        session: record.session,
        tokens_in: usage?.prompt_tokens,
        tokens_cached: usage?.prompt_tokens_details.cached_tokens,
        tokens_out: usage?.completion_tokens,
      });
    },
    waitUntil: (promise) => args.waitUntil?.(promise),
  };
  return record;
};
