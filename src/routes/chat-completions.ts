// POST /v1/chat/completions (issue #5): chat → Responses upstream, events → chat chunks or one chat.completion.
import type { ClientInfo } from "../deps.ts";
import { readJsonBody } from "../http/read-json.ts";
import type { RequestRecord } from "../request-record.ts";
import { chatRequestSchema } from "../schemas/chat-request.ts";
import { toSessionKey } from "../session/session-key.ts";
import { DONE_FRAME, encodeData } from "../sse/encode.ts";
import type { JsonObject } from "../json.ts";
import { collectOutput, createOutputState } from "../translate/collect-output.ts";
import { toUpstreamFromChat } from "../translate/chat-to-upstream.ts";
import { createChatChunkState, finishChatChunks, stepChatChunks, type ChatFrame } from "../translate/upstream-to-chat-chunks.ts";
import { toChatCompletion } from "../translate/upstream-to-chat-completion.ts";
import { isTerminalEvent } from "../translate/upstream-to-responses.ts";
import { foldTurn, startTurn, streamTurn, type TurnReducer, type TurnServices } from "./_turn.ts";

const encodeFrames = (frames: readonly ChatFrame[]): string => {
  let text = "";
  for (const frame of frames) text += frame === "[DONE]" ? DONE_FRAME : encodeData(frame);
  return text;
};

/** Wraps the chat chunk reducer with the output/terminal tracking the turn needs afterwards. */
const toReducer = (frames: (event: JsonObject) => string, finish: () => string): TurnReducer => {
  const output = createOutputState();
  let terminal: JsonObject | undefined;
  return {
    step(event) {
      collectOutput(output, event);
      if (terminal === undefined && isTerminalEvent(event)) terminal = event;
      return frames(event);
    },
    finish,
    output,
    terminal: () => terminal,
  };
};

export const createChatCompletionsRoute = (services: TurnServices) => {
  const { deps } = services;
  return async (request: Request, client: ClientInfo, record: RequestRecord): Promise<Response> => {
    const body = await readJsonBody(request, chatRequestSchema, deps.config.bodyLimit, client.readBody);
    const sessionKey = toSessionKey({ user: body.user, promptCacheKey: body.prompt_cache_key, headers: request.headers, remoteAddress: client.remoteAddress });
    const translation = {
      ...toUpstreamFromChat(body, { model: deps.config.model }),
      effortParam: body.reasoning_effort != null ? "reasoning_effort" : "reasoning.effort",
    };
    const { upstreamBody, result, serverTiming } = await startTurn(services, { request, record, sessionKey, translation, stream: body.stream === true });
    const options = {
      id: `chatcmpl-${deps.randomId()}`,
      created: Math.floor(deps.now() / 1000),
      model: upstreamBody.model,
      includeUsage: body.stream_options?.include_usage === true,
      includeReasoning: deps.config.reasoningSummaries,
    };
    if (body.stream === true) {
      const state = createChatChunkState(options);
      const reducer = toReducer(
        (event) => encodeFrames(stepChatChunks(state, event)),
        () => encodeFrames(finishChatChunks(state)),
      );
      record.deferred = true;
      return streamTurn(services, { result, reducer, sessionKey, record, serverTiming });
    }
    const events: JsonObject[] = [];
    const reducer = toReducer(
      (event) => (events.push(event), ""),
      () => "",
    );
    await foldTurn(services, { result, reducer, sessionKey, record });
    record.firstByteAt = deps.now();
    return Response.json(toChatCompletion(events, options), { headers: { "server-timing": serverTiming } });
  };
};
