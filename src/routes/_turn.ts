// What both model endpoints share: session instructions and call memory around the upstream call, and the
// SSE response assembly (decode → reducer → encode → keep-alive) with post-stream capture (spec §9, STYLE.md §1).
import type { ProxyDeps } from "../deps.ts";
import { badRequest } from "../errors.ts";
import { resolveInstructions } from "../session/resolve-instructions.ts";
import { findDuplicateCallId, findOrphanOutputs, restoreToolCalls, toRememberedCalls } from "../session/restore-tool-calls.ts";
import type { SessionCache } from "../session/session-cache.ts";
import { SSE_HEADERS } from "../sse/encode.ts";
import { createSseRelay, drainInto } from "../sse/relay.ts";
import { isObject, type JsonObject } from "../json.ts";
import { finalOutput, type OutputState } from "../translate/collect-output.ts";
import type { Translation, UpstreamBody } from "../translate/types.ts";
import type { UpstreamClient, UpstreamResult } from "../upstream/client.ts";
import type { RequestRecord } from "../request-record.ts";
import type { ProxyMetrics } from "../metrics/proxy-metrics.ts";
import { resolveModelEffort } from "../models/resolve-model.ts";
import { hashSessionKey } from "../session/session-key.ts";
import { sessionUuid } from "../upstream/upstream-headers.ts";

export interface TurnServices {
  deps: ProxyDeps;
  cache: SessionCache;
  upstream: UpstreamClient;
  metrics: ProxyMetrics;
  /** Takes one of the --max-streams slots; the returned function gives it back. */
  acquireSlot: () => () => void;
  /** Sees every upstream event before the dialect's reducer (codex.rate_limits feeds /v1/usage). */
  observeEvent: (event: JsonObject) => void;
}

/** A reducer plus what the turn needs to read back from it after the stream. */
export interface TurnReducer {
  step(event: JsonObject, data: string): string;
  finish(): string;
  output: OutputState;
  terminal(): JsonObject | undefined;
}

/** Translation + session memory → the complete upstream body (spec §9.2, §9.3). */
export const prepareUpstreamBody = async (services: TurnServices, sessionKey: string, translation: Translation): Promise<UpstreamBody> => {
  const { cache, deps } = services;
  const draft = { ...translation.draft };
  const bodyEffort = draft.reasoning && typeof draft.reasoning.effort === "string" ? draft.reasoning.effort : undefined;
  const { model, effort } = resolveModelEffort(draft.model, bodyEffort, translation.effortParam ?? "reasoning.effort");
  draft.model = model;
  if (effort !== undefined && effort !== bodyEffort) {
    draft.reasoning = { ...(draft.reasoning ?? {}), effort };
    draft.include = [...new Set([...(draft.include ?? []), "reasoning.encrypted_content"])];
  }
  const resolved = resolveInstructions(translation.instructions, await cache.getInstructions(sessionKey));
  if (resolved.store !== undefined) await cache.setInstructions(sessionKey, resolved.store);
  services.metrics.instructions.inc({ source: resolved.source });
  let input = draft.input;
  const duplicate = findDuplicateCallId(input);
  if (duplicate !== undefined) {
    throw badRequest(
      `The call_id ${duplicate} is used by more than one tool call or output in this request; each call needs its own id.`,
      "input",
      "duplicate_call_id",
    );
  }
  const orphans = findOrphanOutputs(input);
  if (orphans.length > 0) {
    const restored = restoreToolCalls(input, await cache.getCalls(sessionKey, orphans));
    if (restored.missing.length > 0) {
      const callId = restored.missing[0] as string;
      const own = translation.describeMissingCall?.(callId);
      throw badRequest(
        own?.message ??
          `No tool call found for the output with call_id ${callId}: the request must include the assistant's call ` +
            "before its output, and this proxy does not remember one for this session (restart, --cache-ttl expiry, or another session key).",
        own?.param ?? "input",
        "tool_call_not_found",
      );
    }
    input = restored.input;
    services.metrics.reconstructions.inc({}, orphans.length);
    deps.logger.debug("re-inserted remembered tool calls", { count: orphans.length });
  }
  if (translation.warnings.length > 0 && deps.logger.enabled("debug")) {
    deps.logger.debug("request translated", { dropped: translation.warnings.join("; "), instructions: resolved.source });
  }
  // A client's own prompt_cache_key goes as it is; one derived from `user`, a header or the IP only as a hash.
  return {
    ...draft,
    input,
    instructions: resolved.instructions,
    store: false,
    stream: true,
    prompt_cache_key: draft.prompt_cache_key ?? sessionUuid(sessionKey),
  };
};

/**
 * The shared start of a model turn: session memory into the body, a --max-streams slot, the upstream call.
 * Resolves once upstream headers arrived (errors before that are thrown as ProxyErrors).
 */
export const startTurn = async (
  services: TurnServices,
  args: { request: Request; record: RequestRecord; sessionKey: string; translation: Translation; stream: boolean },
) => {
  const { record, sessionKey } = args;
  record.session = hashSessionKey(sessionKey);
  record.stream = args.stream;
  record.model = args.translation.draft.model;
  const upstreamBody = await prepareUpstreamBody(services, sessionKey, args.translation);
  record.model = upstreamBody.model;
  record.onEnd.push(services.acquireSlot());
  const result = await services.upstream.send({ body: upstreamBody, sessionKey, signal: args.request.signal });
  record.upstreamStatus = result.response.status;
  return { upstreamBody, result, serverTiming: toServerTiming(record.startedAt, result) };
};

/** `Server-Timing` with the proxy's own time before the upstream call and the upstream's time to headers. */
export const toServerTiming = (startedAt: number, result: UpstreamResult): string =>
  `proxy;dur=${Math.max(0, result.timing.sentAt - startedAt)}, upstream;dur=${Math.max(0, result.timing.headersAt - result.timing.sentAt)}`;

/** Remembers the calls of a completed response so a follow-up that omits them can be repaired (spec §9.3). */
export const captureTurn = async (services: TurnServices, sessionKey: string, output: OutputState, terminal: JsonObject | undefined, record: RequestRecord) => {
  if (!terminal) return;
  const response = isObject(terminal.response) ? terminal.response : undefined;
  if (response && isObject(response.usage)) record.usage = response.usage;
  record.outcome = String(terminal.type).replace(/^response\./, "");
  if (terminal.type !== "response.completed") return;
  const calls = toRememberedCalls(finalOutput(output, response?.output));
  if (calls.length > 0) await services.cache.rememberCalls(sessionKey, calls);
};

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
      services.observeEvent(event);
      const text = reducer.step(event, data);
      if (firstByte && text !== "") {
        firstByte = false;
        record.firstByteAt = deps.now();
      }
      return text;
    },
    finish() {
      const text = reducer.finish();
      const done = captureTurn(services, args.sessionKey, reducer.output, reducer.terminal(), record).catch((error) =>
        deps.logger.warn("could not remember the turn's tool calls", { error: String(error) }),
      );
      record.waitUntil(done);
      return text;
    },
  };
  const body = createSseRelay(args.result.response.body as ReadableStream<Uint8Array>, shell, {
    keepAliveMs: deps.config.keepAlive,
    onEnd: (how) => record.end(how === "cancel" ? "client_closed" : how === "error" ? "stream_error" : undefined),
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
      step: (event, data) => {
        services.observeEvent(event);
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
  await captureTurn(services, args.sessionKey, reducer.output, reducer.terminal(), args.record);
  return reducer.terminal();
};
