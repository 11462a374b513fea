// POST /v1/responses (issue #4): validate, translate, add session memory, call upstream, stream or fold.
import type { ClientInfo } from "../deps.ts";
import { readJsonBody } from "../http/read-json.ts";
import type { RequestRecord } from "../request-record.ts";
import { responsesRequestSchema } from "../schemas/responses-request.ts";
import { toSessionKey } from "../session/session-key.ts";
import { DONE_FRAME, encodeEvent } from "../sse/encode.ts";
import { isObject, type JsonObject } from "../json.ts";
import { outputText } from "../translate/collect-output.ts";
import { toProxyErrorFromFailure } from "../translate/map-failure.ts";
import { toUpstreamFromResponses } from "../translate/responses-to-upstream.ts";
import { createResponsesStreamState, finishResponsesEvents, stepResponsesEvents, type ResponsesStreamState } from "../translate/upstream-to-responses.ts";
import { foldTurn, startTurn, streamTurn, type TurnReducer, type TurnServices } from "./_turn.ts";

const encodeAll = (events: readonly JsonObject[]): string => {
  let text = "";
  for (const event of events) text += encodeEvent(event.type as string, event);
  return text;
};

/**
 * The official client: `originator` starting with `codex` (codex_cli_rs, codex_exec, …) or the Responses Lite header
 * (docs/backend.md §13.2 [OBSERVED in the CLI 0.169 captures]).
 */
const isOfficialClient = (headers: Headers): boolean =>
  /^codex/i.test(headers.get("originator") ?? "") || headers.has("x-openai-internal-codex-responses-lite");

/** Event names that can go on an `event:` line as they are. */
const PLAIN_TYPE = /^[\w.-]+$/;

const toReducer = (state: ResponsesStreamState, encode: boolean): TurnReducer => ({
  step: (event, data) => {
    const events = stepResponsesEvents(state, event);
    if (!encode) return "";
    // The common case: an event the proxy did not change goes out as the bytes it came in (one-line JSON).
    if (!state.touched && events.length === 1 && PLAIN_TYPE.test(event.type as string) && !data.includes("\n"))
      return `event: ${event.type as string}\ndata: ${data}\n\n`;
    return encodeAll(events);
  },
  finish: () => (encode ? encodeAll(finishResponsesEvents(state)) + DONE_FRAME : (finishResponsesEvents(state), "")),
  output: state.output,
  terminal: () => state.terminal,
});

export const createResponsesRoute = (services: TurnServices) => {
  const { deps } = services;
  return async (request: Request, client: ClientInfo, record: RequestRecord): Promise<Response> => {
    const body = await readJsonBody(request, responsesRequestSchema, deps.config.bodyLimit, client.readBody);
    const sessionKey = toSessionKey({
      user: body.user,
      promptCacheKey: body.prompt_cache_key,
      headers: request.headers,
      remoteAddress: client.remoteAddress,
    });
    const translation = toUpstreamFromResponses(body, { model: deps.config.model });
    const { upstreamBody, result, serverTiming } = await startTurn(services, { request, record, sessionKey, translation, stream: body.stream === true });
    const state = createResponsesStreamState({
      model: upstreamBody.model,
      createdAt: Math.floor(deps.now() / 1000),
      randomId: deps.randomId,
      backendEvents: isOfficialClient(request.headers),
    });
    if (body.stream === true) {
      record.deferred = true;
      return streamTurn(services, { result, reducer: toReducer(state, true), sessionKey, record, serverTiming });
    }
    const terminal = await foldTurn(services, { result, reducer: toReducer(state, false), sessionKey, record });
    if (!terminal || !isObject(terminal.response) || (terminal.type !== "response.completed" && terminal.type !== "response.incomplete")) {
      throw toProxyErrorFromFailure(terminal ?? null);
    }
    const response = terminal.response;
    const output = Array.isArray(response.output) ? (response.output as JsonObject[]) : [];
    record.firstByteAt = deps.now();
    return Response.json({ ...response, output, output_text: outputText(output) }, { headers: { "server-timing": serverTiming } });
  };
};
