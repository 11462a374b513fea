// POST /v1/chat/completions (issue #5): chat → Responses upstream, events → chat chunks or one chat.completion.
import type { ClientInfo } from "../deps.ts";
import { readJsonBody } from "../http/read-json.ts";
import type { RequestRecord } from "../request-record.ts";
import { chatRequestSchema } from "../schemas/chat-request.ts";
import { toSessionKey } from "../session/session-key.ts";
import { createChatFold, createChatSse } from "../sse/chat-sse.ts";
import { toUpstreamFromChat } from "../translate/chat-to-upstream.ts";
import { foldTurn, startTurn, streamTurn, type TurnServices } from "./_turn.ts";

export const createChatCompletionsRoute = (services: TurnServices) => {
  const { deps } = services;
  return async (request: Request, client: ClientInfo, record: RequestRecord): Promise<Response> => {
    const body = await readJsonBody(request, chatRequestSchema, deps.config, client.readBody);
    const sessionKey = toSessionKey({ user: body.user, promptCacheKey: body.prompt_cache_key, headers: request.headers, remoteAddress: client.remoteAddress });
    const translation = {
      ...toUpstreamFromChat(body, { model: deps.config.model }),
      effortParam: body.reasoning_effort != null ? "reasoning_effort" : "reasoning.effort",
    };
    const { model, result, serverTiming } = await startTurn(services, { request, record, sessionKey, translation, stream: body.stream === true });
    const options = {
      id: `chatcmpl-${deps.randomId()}`,
      created: Math.floor(deps.now() / 1000),
      model,
      includeUsage: body.stream_options?.include_usage === true,
      includeReasoning: deps.config.reasoningSummaries,
    };
    if (body.stream === true) {
      record.deferred = true;
      return streamTurn(services, { result, reducer: createChatSse(options), sessionKey, record, serverTiming });
    }
    const fold = createChatFold(options);
    await foldTurn(services, { result, reducer: fold, sessionKey, record });
    record.firstByteAt = deps.now();
    return Response.json(fold.completion(), { headers: { "server-timing": serverTiming } });
  };
};
