// POST /v1/messages (issue 17; docs/anthropic.md): Anthropic Messages → Codex upstream, events → Anthropic stream
// events or one Message object. Errors are rendered in Anthropic's shape by proxy.ts for every /v1/messages path.
import type { ClientInfo } from "../deps.ts";
import { readJsonBody } from "../http/read-json.ts";
import type { RequestRecord } from "../request-record.ts";
import { messagesRequestSchema, type MessagesRequest } from "../schemas/messages-request.ts";
import { toSessionKey } from "../session/session-key.ts";
import { createMessagesFold, createMessagesSse } from "../sse/messages-sse.ts";
import { peekUpstream } from "../sse/peek-upstream.ts";
import { toProxyErrorFromFailure } from "../translate/map-failure.ts";
import { toUpstreamFromMessages } from "../translate/messages-to-upstream.ts";
import { foldTurn, startTurn, streamTurn, type TurnServices } from "./_turn.ts";

/**
 * The session key: Claude Code's `X-Claude-Code-Session-Id`, else `metadata.user_id` (the SDK's per-user field;
 * Claude Code puts its session id in it too), else the shared signals down to the client IP (spec §9.1).
 */
export const toMessagesSessionKey = (body: Pick<MessagesRequest, "metadata">, headers: Headers, remoteAddress: string | undefined): string =>
  toSessionKey({ user: headers.get("x-claude-code-session-id") ?? body.metadata?.user_id, headers, remoteAddress });

export const createMessagesRoute = (services: TurnServices) => {
  const { deps } = services;
  return async (request: Request, client: ClientInfo, record: RequestRecord): Promise<Response> => {
    const body = await readJsonBody(request, messagesRequestSchema, deps.config, client.readBody);
    const sessionKey = toMessagesSessionKey(body, request.headers, client.remoteAddress);
    const translation = toUpstreamFromMessages(body, { model: deps.config.model, claudeModels: deps.config.claudeModels });
    const stream = body.stream === true;
    const { result, serverTiming } = await startTurn(services, { request, record, sessionKey, translation, stream });
    const options = { id: `msg_${deps.randomId()}`, model: translation.requestedModel, thinking: translation.thinking };
    if (stream) {
      const peeked = await peekUpstream(result.response.body as ReadableStream<Uint8Array>, deps.config.keepAlive);
      if (peeked.kind === "failed") throw toProxyErrorFromFailure(peeked.event);
      const upstream = { ...result, response: new Response(peeked.body, { status: result.response.status, headers: result.response.headers }) };
      record.deferred = true;
      return streamTurn(services, { result: upstream, reducer: createMessagesSse(options), sessionKey, record, serverTiming });
    }
    const fold = createMessagesFold(options);
    await foldTurn(services, { result, reducer: fold, sessionKey, record });
    record.firstByteAt = deps.now();
    return Response.json(fold.message(), { headers: { "server-timing": serverTiming } });
  };
};
