// createProxy(deps) → { fetch }: the one list of routes, the client-key check, and the error envelope
// for everything thrown (STYLE.md §1 and "itty-router").
import { Router } from "itty-router";
import type { ClientInfo, ProxyDeps } from "./deps.ts";
import { ProxyError, toErrorResponse, isProxyError } from "./errors.ts";
import { checkClientKey } from "./http/client-auth.ts";
import { checkExposure, corsHeaders, isPreflight, preflightResponse } from "./http/exposure.ts";
import { checkHeaderLimits } from "./http/header-limits.ts";
import { createRequestRecord, requestUrl, type RequestRecord } from "./request-record.ts";
import { createChatCompletionsRoute } from "./routes/chat-completions.ts";
import { createHealthRoute } from "./routes/health.ts";
import { createModelsRoute } from "./routes/models.ts";
import { createResponsesRoute } from "./routes/responses.ts";
import { createCompactRoute } from "./routes/compact.ts";
import { createMessagesRoute } from "./routes/messages.ts";
import { createCountTokensRoute } from "./routes/count-tokens.ts";
import { createRootRoute } from "./routes/root.ts";
import { toAnthropicErrorResponse } from "./translate/messages-errors.ts";
import { createSessionCache } from "./session/session-cache.ts";
import { createMemoryStore } from "./session/store.ts";
import { createUpstreamClient } from "./upstream/client.ts";
import { createProxyMetrics } from "./metrics/proxy-metrics.ts";
import { createQuotaTracker } from "./quota/quota-state.ts";
import { createUsageRoute } from "./routes/usage.ts";
import { createMetricsRoute } from "./routes/metrics.ts";
import { toChatUsage } from "./translate/map-usage.ts";
import { VERSION } from "./version.ts";
import { CATALOGUE_READ_TIMEOUT_MS, createModelCatalogue, modelProblem } from "./models/backend-catalogue.ts";

export interface Proxy {
  fetch(request: Request, client?: ClientInfo): Promise<Response>;
  /**
   * Reads the backend's model catalogue and warns when --model is not in it, naming the catalogue's default
   * (issue 16 item 7). The runtime entries call it once after listening; it never throws.
   */
  checkModel(): Promise<void>;
}

type Handler = (request: Request, client: ClientInfo, record: RequestRecord) => Promise<Response>;

export const createProxy = (deps: ProxyDeps): Proxy => {
  const store = deps.store ?? createMemoryStore({ maxEntries: deps.config.cacheMaxEntries, maxBytes: deps.config.cacheMaxBytes, now: deps.now });
  const metrics = deps.metrics ?? createProxyMetrics();
  const quota = createQuotaTracker(deps.now);
  const catalogue = createModelCatalogue({
    fetch: deps.fetch,
    baseUrl: deps.config.baseUrl,
    auth: deps.auth,
    now: deps.now,
    timeoutMs: Math.min(deps.config.headerTimeout, CATALOGUE_READ_TIMEOUT_MS),
    logger: deps.logger,
  });
  let openSlots = 0;
  const acquireSlot = () => {
    const max = deps.config.maxStreams;
    if (max > 0 && openSlots >= max) {
      throw new ProxyError("rate_limited", {
        message: `This proxy already has ${max} upstream requests in flight (--max-streams); retry shortly.`,
        code: "proxy_busy",
        headers: { "retry-after": "1" },
      });
    }
    openSlots += 1;
    let released = false;
    return () => {
      if (!released) openSlots -= 1;
      released = true;
    };
  };
  const services = {
    deps,
    metrics,
    catalogue,
    acquireSlot,
    observeEvent: (event: Record<string, unknown>) => {
      if (event.type === "codex.rate_limits") quota.observeRateLimits(event);
    },
    cache: createSessionCache({ store, ttlMs: deps.config.cacheTtl, maxCalls: deps.config.cacheMaxCalls }),
    upstream: createUpstreamClient({
      fetch: deps.fetch,
      baseUrl: deps.config.baseUrl,
      auth: deps.auth,
      now: deps.now,
      headerTimeoutMs: deps.config.headerTimeout,
      logger: deps.logger,
      onHeaders: (status, headers) => {
        metrics.upstream.inc({ status: String(status) });
        quota.observeHeaders(headers);
        catalogue.observeEtag(headers.get("x-models-etag"));
      },
      onErrorBody: (status, text) => {
        if (status === 429 || status === 404) quota.observeLimit(text);
      },
    }),
  };
  const observe = (record: RequestRecord) => {
    const route = ROUTES[record.path] ? record.path : "other";
    metrics.requests.inc({ route, status: String(record.status ?? 0) });
    metrics.duration.observe((deps.now() - record.startedAt) / 1000, { route });
    if (record.firstByteAt !== undefined) metrics.ttfb.observe((record.firstByteAt - record.startedAt) / 1000, { route });
    if (record.deferred) metrics.openStreams.add(-1);
    const usage = toChatUsage(record.usage);
    if (usage) {
      metrics.tokens.inc({ kind: "input" }, usage.prompt_tokens);
      metrics.tokens.inc({ kind: "output" }, usage.completion_tokens);
      metrics.tokens.inc({ kind: "cached" }, usage.prompt_tokens_details.cached_tokens);
    }
  };

  /** Requests from an origin in --cors-origins, answered with CORS headers. */
  const corsOrigin = new WeakMap<Request, string>();
  const guard = (request: Request) => {
    checkHeaderLimits(request.headers);
    const origin = checkExposure(request, deps.config, deps.checkHost ?? true);
    if (origin === null) return undefined;
    corsOrigin.set(request, origin);
    return isPreflight(request) ? preflightResponse(request, origin, deps.config) : undefined;
  };
  const withCors = (request: Request, response: Response): Response => {
    const origin = corsOrigin.get(request);
    if (origin === undefined || response.headers.has("access-control-allow-origin")) return response;
    const headers = new Headers(response.headers);
    for (const [name, value] of Object.entries(corsHeaders(origin, deps.config))) headers.set(name, value);
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  };

  /** Paths answered without a key: /health, and / (Claude Code probes it, issue 17 item 1). */
  const OPEN_PATHS = new Set(["/health", "/"]);
  const requireKey = (request: Request) => {
    if (!OPEN_PATHS.has(requestUrl(request).pathname)) checkClientKey(request, deps.config);
  };
  /** Anthropic clients get Anthropic-shaped errors: every /v1/messages path, and anything sent with anthropic-version. */
  const isAnthropicRequest = (request: Request) => request.headers.has("anthropic-version") || requestUrl(request).pathname.startsWith("/v1/messages");

  /** Paths served and the method each answers, for 404 versus 405 (filled from the route list below). */
  const ROUTES: Record<string, string> = {};
  const unmatched = (request: Request): never => {
    const path = requestUrl(request).pathname.replace(/\/+$/, "") || "/";
    const allowed = ROUTES[path];
    if (allowed) {
      throw new ProxyError("method_not_allowed", {
        message: `Method ${request.method} is not allowed on ${path}; use ${allowed}.`,
        headers: { allow: allowed },
        code: "method_not_allowed",
      });
    }
    throw new ProxyError("not_found", { message: `Unknown path ${path}: this proxy serves ${Object.keys(ROUTES).join(", ")}.`, code: "not_found" });
  };

  const router = Router<Request, [ClientInfo, RequestRecord]>({
    before: [guard, requireKey],
    catch: (error: unknown, request: Request, _client: ClientInfo, record: RequestRecord) => {
      if (!isProxyError(error) || error.kind === "internal")
        deps.logger.error("request failed", { error: String(error), stack: error instanceof Error ? error.stack : undefined });
      if (isProxyError(error)) record.outcome = error.kind;
      const response = isAnthropicRequest(request) ? toAnthropicErrorResponse(error) : toErrorResponse(error);
      if (record.serverTiming !== undefined) response.headers.set("server-timing", record.serverTiming);
      return response;
    },
    finally: [
      (response: Response, request: Request, _client: ClientInfo, record: RequestRecord) => {
        record.status = response.status;
        if (record.deferred) metrics.openStreams.add(1);
        if (!record.deferred) record.end();
        return withCors(request, response);
      },
    ],
  });
  const routes: [string, string, Handler][] = [
    ["GET", "/health", createHealthRoute(deps, VERSION, catalogue)],
    ["GET", "/v1/models", createModelsRoute(deps, catalogue)],
    ["POST", "/v1/responses", createResponsesRoute(services)],
    ["POST", "/v1/responses/compact", createCompactRoute(services)],
    ["POST", "/v1/chat/completions", createChatCompletionsRoute(services)],
    ["POST", "/v1/messages", createMessagesRoute(services)],
    ["POST", "/v1/messages/count_tokens", createCountTokensRoute(deps)],
    ["GET", "/", createRootRoute()],
    ["HEAD", "/", createRootRoute()],
    ["GET", "/v1/usage", createUsageRoute(quota)],
  ];
  if (deps.config.metrics) routes.push(["GET", "/metrics", createMetricsRoute(metrics.registry, quota, deps.now)]);
  for (const [method, path, handler] of routes) {
    ROUTES[path] = ROUTES[path] ? `${ROUTES[path]}, ${method}` : method;
    if (method === "GET") router.get(path, handler);
    else if (method === "HEAD") router.head(path, handler);
    else router.post(path, handler);
  }
  router.all("*", unmatched);

  return {
    checkModel: async () => {
      const view = await catalogue.get();
      const problem = modelProblem(view, deps.config.model);
      if (problem !== undefined) deps.logger.warn(problem, { model: deps.config.model, catalogue_default: view.defaultModel });
    },
    fetch: (incoming, client = {}) => {
      // itty-router parses request.url on its own: a bare path (Bun, HTTP/1.0 without Host, D13) gets a base first.
      const request = incoming.url.startsWith("/") ? new Request(requestUrl(incoming), incoming) : incoming;
      const record = createRequestRecord({
        request,
        now: deps.now,
        logger: deps.logger,
        logRequests: deps.config.logRequests,
        waitUntil: client.waitUntil,
      });
      record.onEnd.push(observe);
      return router.fetch(request, client, record) as Promise<Response>;
    },
  };
};
