// The Codex backend emulator (docs/backend.md §12): routes, R1–R3, recording, the scenario queue, and the
// wiring of rules, scenarios and streams. Never imports src/, so a proxy bug cannot hide on both sides.
import { encryptedBlob, createResponseIds } from "./ids.ts";
import { httpErrorAnswer, streamHeaders, usageLimitAnswer, type HttpAnswer } from "./http-scenarios.ts";
import { DEFAULT_MODELS, catalogueFor, type CatalogueModel } from "./models.ts";
import { checkBody, parseJsonBody } from "./rules.ts";
import { buildStreamPlan, isStreamingScenario } from "./scenarios.ts";
import { MarkerError, isScenarioName, scriptedChoice, type Choice } from "./select.ts";
import { createEventStream, createWaiter, frame, frameAll, type Pacing } from "./sse.ts";
import { withExtras } from "./stream-extras.ts";
import { httpErrorEntry } from "./fixtures.ts";
import { createDeviceAuth } from "./device-auth.ts";
import { createTokenEndpoint, parseTokenBody } from "./token-endpoint.ts";
import { FIXTURE_ACCOUNT_ID, createTokenRegistry } from "./tokens.ts";
import type { Emulator, EmulatorOptions, RecordedCall, ScenarioName, ScenarioOptions } from "./types.ts";
import { computeUsage, createPromptCache } from "./usage.ts";
import { detail, jsonResponse, type Rejection } from "./wire.ts";

export type { Emulator, EmulatorOptions, RecordedCall, ScenarioName, ScenarioOptions } from "./types.ts";
export { FIXTURE_ACCOUNT_ID, CLIENT_ID } from "./tokens.ts";
export { DEFAULT_MODELS, ULTRA_MODELS, catalogueFor } from "./models.ts";
export { RATE_LIMITS_SAMPLE } from "./stream-extras.ts";
export { checkBody, parseJsonBody } from "./rules.ts";
export { SCENARIO_NAMES } from "./select.ts";

interface QueueEntry {
  scenario: ScenarioName;
  options: ScenarioOptions;
  remaining: number;
  skip: number;
}

function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Creates an emulator; see EmulatorOptions for the defaults (all from the spec's "Emulator default"). */
export function createEmulator(options: EmulatorOptions = {}): Emulator {
  const now = options.now ?? Date.now;
  const basePath = (options.basePath ?? "/backend-api/codex").replace(/\/+$/, "");
  const models: Record<string, readonly string[]> = options.models ?? DEFAULT_MODELS;
  const requireAccountId = options.requireAccountId ?? true;
  const ttlSeconds = options.accessTokenTtlSeconds ?? 3600;
  const registry = createTokenRegistry({ now, defaultTtlSeconds: ttlSeconds });
  const tokenEndpoint = createTokenEndpoint({
    registry,
    ttlSeconds,
    reuseStatus: options.refreshReuseStatus ?? 401,
    refreshResponses: options.refreshResponses ?? "mint",
  });
  const deviceAuth = createDeviceAuth({ registry, now, ttlSeconds }); // login endpoints (issue 20)
  const calls: RecordedCall[] = [];
  const tokenCalls: RecordedCall[] = [];
  const modelCalls: Array<RecordedCall & { query: Record<string, string> }> = [];
  const otherCalls: RecordedCall[] = [];
  const gatedModels: ReadonlySet<string> = new Set(options.gatedModels ?? []);
  let catalogue: CatalogueModel[] = options.catalogue ?? catalogueFor(models);
  let catalogueVersion = 1;
  const modelsEtag = () => `"emulator-models-${catalogueVersion}"`;
  const queue: QueueEntry[] = [];
  const inFlight = new Set<{ end(): void }>();
  const issuedCallIds = new Set<string>();
  /** R20: encrypted_content blob → the account it was issued to. */
  const blobs = new Map<string, string | null>();
  const promptCache = createPromptCache();

  function record(list: RecordedCall[], request: Request, headers: Headers, rawBody: string, body: unknown): RecordedCall {
    const call = newCall(request, headers, rawBody, body);
    list.push(call);
    return call;
  }

  function newCall(request: Request, headers: Headers, rawBody: string, body: unknown): RecordedCall {
    return {
      method: request.method.toUpperCase(),
      path: new URL(request.url).pathname,
      headers: Object.fromEntries(headers),
      rawBody,
      body,
      time: now(),
      status: 0,
      aborted: false,
      finished: false,
    };
  }

  function reply(call: RecordedCall | undefined, answer: Rejection | HttpAnswer): Response {
    const headers = "headers" in answer ? answer.headers : {};
    if (call) {
      call.status = answer.status;
      call.responseBody = answer.body;
      call.finished = true;
    }
    return jsonResponse(answer.status, answer.body, headers);
  }

  function takeQueued(): Choice | null {
    const head = queue[0];
    if (!head) return null;
    if (head.skip > 0) {
      head.skip -= 1;
      return null;
    }
    head.remaining -= 1;
    if (head.remaining <= 0) queue.shift();
    return { scenario: head.scenario, options: head.options };
  }

  /** Waits before the status line; rejects like fetch when the request is aborted (B19) or endAll() runs. */
  async function waitForHeaders(ms: number | "forever", signal: AbortSignal, call: RecordedCall): Promise<void> {
    if (ms !== "forever" && ms <= 0) return;
    const waiter = createWaiter();
    let failure: unknown;
    const entry = {
      end() {
        failure = new Error("emulator: response ended by endAll()");
        waiter.cancel();
      },
    };
    const onAbort = () => {
      failure = signal.reason;
      call.aborted = true;
      waiter.cancel();
    };
    inFlight.add(entry);
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    await waiter.wait(ms);
    signal.removeEventListener("abort", onAbort);
    inFlight.delete(entry);
    if (failure !== undefined) throw failure;
  }

  async function handleResponses(request: Request, headers: Headers, rawBody: string): Promise<Response> {
    const call = record(calls, request, headers, rawBody, tryParseJson(rawBody));
    if (call.method !== "POST") return reply(call, detail(404, "Not Found"));
    const auth = registry.checkBearer(headers, requireAccountId);
    if ("status" in auth) return reply(call, auth);
    // §4.1 emulator column: plain JSON only; "rejecting compressed bodies with 415 is fine" (the CLI's own zstd
    // bodies, §13 [REPORTED], are the proxy's to decompress).
    const encoding = (headers.get("content-encoding") ?? "identity").trim().toLowerCase();
    if (encoding !== "identity" && encoding !== "") return reply(call, detail(415, `Unsupported Content-Encoding: ${encoding}`));
    const parsed = parseJsonBody(headers.get("content-type"), rawBody);
    if ("status" in parsed) return reply(call, parsed);
    const body = parsed.body;
    const failure = checkBody(body, {
      instructionsMode: options.instructionsMode ?? "developer-or-nonempty",
      models,
      requireToolOutput: options.requireToolOutput ?? true,
      itemIds: options.itemIds ?? "accept-prefixed",
      gatedModels,
      isIssuedBlob: (blob) => blobs.has(blob) && blobs.get(blob) === auth.accountId,
    });
    if (failure) return reply(call, failure);

    let choice: Choice;
    try {
      choice = takeQueued() ?? scriptedChoice(body);
    } catch (error) {
      if (error instanceof MarkerError) return reply(call, detail(400, error.message));
      throw error;
    }
    const { scenario, options: scenarioOptions } = choice;
    call.scenario = scenario;
    const nowSec = Math.floor(now() / 1000);
    const extraHeaders = scenarioOptions.headers ?? {};
    const headerWait = scenario === "hang" && scenarioOptions.afterEvents === undefined ? "forever" : (scenarioOptions.delayHeadersMs ?? 0);
    await waitForHeaders(headerWait, request.signal, call);

    if (!isStreamingScenario(scenario)) {
      if (scenario === "usage-limit") return reply(call, usageLimitAnswer(scenarioOptions.plan ?? "plus", nowSec, extraHeaders));
      if (scenario === "rate-limit") return reply(call, httpErrorAnswer("rate-limit-429-generic", extraHeaders));
      return reply(call, httpErrorAnswer(scenarioOptions.httpError ?? "internal-500", extraHeaders));
    }

    const { prompt, cachedPrefix } = promptCache.take(body);
    const plan = buildStreamPlan(scenario, scenarioOptions, {
      body,
      ids: createResponseIds(issuedCallIds),
      nowSec,
      completedOutput: options.completedOutput ?? "empty",
      issueBlob: () => {
        const blob = encryptedBlob();
        blobs.set(blob, auth.accountId);
        return blob;
      },
      usage: (emitted, reasoning) => computeUsage(prompt, cachedPrefix, emitted, reasoning),
    });
    call.status = 200;
    call.output = plan.output;
    if (plan.responseId !== undefined) call.responseId = plan.responseId;
    let partialFrame: string | undefined;
    if (plan.partialEvent) {
      const full = frame(plan.partialEvent, plan.events.length);
      partialFrame = full.slice(0, Math.floor(full.length / 2));
    }
    // The entry is registered before the stream exists: an already-aborted signal settles it during construction.
    const entry = { end: (): void => {} };
    inFlight.add(entry);
    const stream = createEventStream({
      frames: withExtras(frameAll(plan.events, plan.numbered), plan.events, scenarioOptions, { nowSec, model: body.model }),
      ending: plan.ending,
      ...(partialFrame === undefined ? {} : { partialFrame }),
      pacing: pacingFor(scenario, scenarioOptions),
      signal: request.signal,
      onOutcome: (outcome) => {
        inFlight.delete(entry);
        if (outcome === "finished") call.finished = true;
        if (outcome === "aborted") call.aborted = true;
      },
    });
    entry.end = stream.end;
    return new Response(stream.body, { status: 200, headers: streamHeaders(nowSec, { "x-models-etag": modelsEtag(), ...extraHeaders }) });
  }

  async function handleToken(request: Request, headers: Headers, rawBody: string): Promise<Response> {
    const body = parseTokenBody(headers.get("content-type"), rawBody);
    const call = record(tokenCalls, request, headers, rawBody, body);
    if (call.method !== "POST") return reply(call, detail(404, "Not Found"));
    if (body?.grant_type === "authorization_code") return reply(call, await deviceAuth.exchange(body));
    return reply(call, tokenEndpoint.answer(body));
  }

  // The catalogue (§7.3, §13.5): the CLI reads `GET {base}/models?client_version=<semver>`; its exact shape is
  // [UNCERTAIN], so the entries carry the fields ChatMock and the CLI read. The etag also goes out as
  // `x-models-etag` on every stream (§5.1), so a client can see the catalogue change.
  function handleModels(request: Request, headers: Headers): Response {
    const url = new URL(request.url);
    const call = { ...newCall(request, headers, "", undefined), query: Object.fromEntries(url.searchParams) };
    modelCalls.push(call);
    const auth = registry.checkBearer(headers, requireAccountId);
    if ("status" in auth) return reply(call, auth);
    const etag = modelsEtag();
    call.status = 200;
    call.finished = true;
    return jsonResponse(200, { models: structuredClone(catalogue) }, { etag, "x-models-etag": etag });
  }

  async function handle(input: Request | string | URL, init?: RequestInit): Promise<Response> {
    // srvx hands over its own Request class; it passes `instanceof Request`, so keep it as is.
    const request = init === undefined && input instanceof Request ? input : new Request(input, init);
    const path = new URL(request.url).pathname;
    const method = request.method.toUpperCase();
    // Copied before the body is read: Bun 1.4 drops a body-derived content-type once the body is consumed.
    const headers = new Headers(request.headers);
    const rawBody = method === "GET" || method === "HEAD" ? "" : await request.text();
    if (path === `${basePath}/responses`) return handleResponses(request, headers, rawBody);
    if (path === "/oauth/token") return handleToken(request, headers, rawBody);
    if (path === `${basePath}/models` && method === "GET") return handleModels(request, headers);
    const login = await deviceAuth.handle(request, path, rawBody);
    if (login) return login;
    // R1 for every other path, recorded. `{base}/responses/compact` is one of them: it answers 404
    // {"detail":"Not Found"} since 2026-08-12 (§13.4 [REPORTED: Soju06/codex-lb PR #1715]).
    return reply(record(otherCalls, request, headers, rawBody, tryParseJson(rawBody)), detail(404, "Not Found"));
  }

  return {
    fetch: handle,
    basePath,
    calls,
    tokenCalls,
    modelCalls,
    otherCalls,
    setCatalogue(next) {
      catalogue = structuredClone(next);
      catalogueVersion += 1;
    },
    modelsEtag,
    deviceAuth: deviceAuth.control,
    enqueue(scenario, scenarioOptions = {}) {
      if (!isScenarioName(scenario)) throw new Error(`enqueue: unknown scenario '${String(scenario)}'`);
      if (scenario === "http-error") httpErrorEntry(scenarioOptions.httpError ?? "internal-500");
      const times = scenarioOptions.times ?? 1;
      if (!(times >= 1)) throw new Error("enqueue: `times` must be at least 1");
      queue.push({ scenario, options: scenarioOptions, remaining: times, skip: scenarioOptions.afterRequests ?? 0 });
    },
    openStreams: () => inFlight.size,
    trustAuthFile: (authJson) => registry.trustAuthFile(authJson),
    trustEncryptedContent: (blob, accountId = FIXTURE_ACCOUNT_ID) => void blobs.set(blob, accountId),
    mintTokens: (opts) => registry.mint(opts),
    invalidateAccessToken: (token) => registry.invalidateAccessToken(token),
    markRefreshToken: (token, state) => registry.setRefreshState(token, state),
    failNextRefresh: () => tokenEndpoint.failNextRefresh(),
    reset() {
      calls.length = 0;
      tokenCalls.length = 0;
      modelCalls.length = 0;
      otherCalls.length = 0;
      queue.length = 0;
      promptCache.clear();
      tokenEndpoint.clearFailure();
    },
    endAll() {
      for (const entry of [...inFlight]) entry.end();
    },
  };
}

/** B14 pacing: explicit options win; `slow` without any delay option waits 100 ms between events. */
function pacingFor(scenario: ScenarioName, o: ScenarioOptions): Pacing {
  const anyDelay = o.delayFirstEventMs !== undefined || o.delayBetweenEventsMs !== undefined || o.stallMs !== undefined;
  return {
    delayFirstEventMs: o.delayFirstEventMs ?? 0,
    delayBetweenEventsMs: o.delayBetweenEventsMs ?? (scenario === "slow" && !anyDelay ? 100 : 0),
    stallMs: o.stallMs ?? 0,
    stallAfterEvents: o.stallAfterEvents ?? 2,
  };
}
