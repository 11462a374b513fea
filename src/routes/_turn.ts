// A model turn, the same for every dialect (docs/architecture.md): the route has read, validated and translated
// the request; here the model and effort are resolved (models/), session memory goes in (session/), the upstream
// is called (upstream/), and the dialect's stream stage (sse/) turns its events into the client's stream or
// answer, with the turn captured into the session at the end.
import type { ProxyDeps } from "../deps.ts";
import type { JsonObject } from "../json.ts";
import type { ProxyMetrics } from "../metrics/proxy-metrics.ts";
import { applyModelEffort } from "../models/apply-effort.ts";
import { CATALOGUE_WAIT_MS, effortsFrom, type ModelCatalogue } from "../models/backend-catalogue.ts";
import { namesEffort } from "../models/resolve-model.ts";
import type { RequestRecord } from "../request-record.ts";
import type { UpstreamEvent } from "../schemas/upstream-event.ts";
import { applySession, applySessionVerbatim } from "../session/apply-session.ts";
import { captureTurn } from "../session/capture-turn.ts";
import type { SessionCache } from "../session/session-cache.ts";
import { hashSessionKey } from "../session/session-key.ts";
import { SSE_HEADERS } from "../sse/encode.ts";
import { createSseRelay, drainInto } from "../sse/relay.ts";
import type { TurnReducer } from "../sse/turn-reducer.ts";
import { toRawEvent } from "../schemas/upstream-event.ts";
import type { Translation } from "../translate/types.ts";
import type { UpstreamClient, UpstreamResult } from "../upstream/client.ts";
export interface TurnServices {
  deps: ProxyDeps;
  cache: SessionCache;
  upstream: UpstreamClient;
  metrics: ProxyMetrics;
  /** The backend's model catalogue (models/backend-catalogue.ts). */
  catalogue: ModelCatalogue;
  /** Takes one of the --max-streams slots; the returned function gives it back. */
  acquireSlot: () => () => void;
  /** Sees every upstream event's payload before the dialect's reducer (codex.rate_limits feeds /v1/usage). */
  observeEvent: (event: JsonObject) => void;
}

/**
 * The shared start of a model turn: session memory into the body, a --max-streams slot, the upstream call.
 * Resolves once upstream headers arrived (errors before that are thrown as ProxyErrors).
 */
export const startTurn = async (
  services: TurnServices,
  args: {
    request: Request;
    record: RequestRecord;
    sessionKey: string;
    translation: Translation;
    stream: boolean;
    /** The official client's Codex headers, sent upstream as it sent them (http/official-client.ts). */
    forwardHeaders?: Record<string, string>;
  },
) => {
  const { record, sessionKey } = args;
  record.session = hashSessionKey(sessionKey);
  record.stream = args.stream;
  record.model = args.translation.draft.model;
  const session = { cache: services.cache, metrics: services.metrics, logger: services.deps.logger };
  const { verbatim } = args.translation;
  let upstreamBody: object;
  let model: string;
  if (verbatim !== undefined) {
    upstreamBody = await applySessionVerbatim(session, sessionKey, verbatim, args.translation);
    model = args.translation.draft.model;
  } else {
    // The backend's catalogue is read (lazily, cached) only when an effort is named: a suffix or the body's.
    const requested = args.translation.draft;
    const bodyEffort = typeof requested.reasoning?.effort === "string" ? requested.reasoning.effort : undefined;
    const view = namesEffort(requested.model, bodyEffort) ? await services.catalogue.get(CATALOGUE_WAIT_MS) : services.catalogue.peek();
    const draft = applyModelEffort(requested, args.translation.effortParam ?? "reasoning.effort", effortsFrom(view));
    const body = await applySession(session, sessionKey, draft, args.translation);
    upstreamBody = body;
    model = body.model;
  }
  record.model = model;
  record.onEnd.push(services.acquireSlot());
  const sentAt = services.deps.now();
  let result: UpstreamResult;
  try {
    result = await services.upstream.send({ body: upstreamBody, sessionKey, signal: args.request.signal, forwardHeaders: args.forwardHeaders });
  } catch (error) {
    // A failure the backend answered still shows both times (issue 18 item 4); proxy.ts puts it on the error.
    record.serverTiming = toServerTiming(record.startedAt, { timing: { sentAt, headersAt: services.deps.now() } });
    throw error;
  }
  record.upstreamStatus = result.response.status;
  record.serverTiming = toServerTiming(record.startedAt, result);
  return { model, result, serverTiming: record.serverTiming };
};

/** `Server-Timing` with the proxy's own time before the upstream call and the upstream's time to headers. */
export const toServerTiming = (startedAt: number, result: Pick<UpstreamResult, "timing">): string =>
  `proxy;dur=${Math.max(0, result.timing.sentAt - startedAt)}, upstream;dur=${Math.max(0, result.timing.headersAt - result.timing.sentAt)}`;

/** The SSE response: upstream events through `reducer`, keep-alive last; capture and the log line at the end. */
export const streamTurn = (
  services: TurnServices,
  args: { result: UpstreamResult; reducer: TurnReducer; sessionKey: string; record: RequestRecord; serverTiming: string },
): Response => {
  const { deps } = services;
  const { reducer, record } = args;
  let firstByte = true;
  const shell: TurnReducer = {
    ...reducer,
    step(event, data) {
      services.observeEvent(toRawEvent(event));
      const text = reducer.step(event, data);
      if (firstByte && text !== "") {
        firstByte = false;
        record.firstByteAt = deps.now();
      }
      return text;
    },
    finish() {
      const text = reducer.finish();
      record.waitUntil(captureTurn({ cache: services.cache, logger: deps.logger }, args.sessionKey, reducer.output, reducer.terminal(), record));
      return text;
    },
  };
  const body = createSseRelay(args.result.response.body as ReadableStream<Uint8Array>, shell, {
    keepAliveMs: deps.config.keepAlive,
    onEnd: (how) => {
      // A client gone mid-stream is counted as 499 in the log line and metrics (issue 15 item 4); `upstream` keeps 200.
      if (how === "cancel") record.status = 499;
      record.end(how === "cancel" ? "client_closed" : how === "error" ? "stream_error" : undefined);
    },
    onTransportError: (error) => deps.logger.warn("upstream stream broke off", { error: String(error).slice(0, 200) }),
    onMalformed: (data) => deps.logger.warn("skipped a malformed upstream event", { bytes: data.length }),
    onStepError: (error) => deps.logger.error("translating the upstream stream failed; stopped it", { error: String(error).slice(0, 200) }),
  });
  return new Response(body, { status: 200, headers: { ...SSE_HEADERS, "server-timing": args.serverTiming } });
};

/** Runs the upstream stream to its end into `reducer` (stream: false uses the same reducers, STYLE.md §1). */
export const foldTurn = async (services: TurnServices, args: { result: UpstreamResult; reducer: TurnReducer; sessionKey: string; record: RequestRecord }) => {
  const { reducer } = args;
  await drainInto(
    args.result.response.body as ReadableStream<Uint8Array>,
    {
      step: (event: UpstreamEvent, data: string) => {
        services.observeEvent(toRawEvent(event));
        return reducer.step(event, data);
      },
      finish: () => reducer.finish(),
    },
    (error) => services.deps.logger.warn("upstream stream broke off", { error: String(error).slice(0, 200) }),
    (error) => {
      services.deps.logger.error("translating the upstream stream failed; stopped it", { error: String(error).slice(0, 200) });
      args.record.outcome = "stream_error";
    },
  );
  await captureTurn({ cache: services.cache, logger: services.deps.logger }, args.sessionKey, reducer.output, reducer.terminal(), args.record);
};
