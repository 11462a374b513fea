// POST /v1/responses (issue #4): validate, translate, add session memory, call upstream, stream or fold.
import type { ClientInfo } from "../deps.ts";
import { isOfficialClient, officialClientHeaders } from "../http/official-client.ts";
import { readJsonBody } from "../http/read-json.ts";
import type { RequestRecord } from "../request-record.ts";
import { type ResponsesRequest, responsesRequestSchema } from "../schemas/responses-request.ts";
import { toSessionKey } from "../session/session-key.ts";
import { createResponsesFold, createResponsesSse } from "../sse/responses-sse.ts";
import { passThroughOfficial } from "../translate/official-passthrough.ts";
import { toUpstreamFromResponses } from "../translate/responses-to-upstream.ts";
import { foldTurn, startTurn, streamTurn, type TurnServices } from "./_turn.ts";

/** What both Responses routes do with a body: its session key, and the official client's pass-through or the rewrite. */
export const toResponsesTurn = (body: ResponsesRequest, request: Request, client: ClientInfo, defaults: { model: string }) => {
  const sessionKey = toSessionKey({ user: body.user, promptCacheKey: body.prompt_cache_key, headers: request.headers, remoteAddress: client.remoteAddress });
  // The official client's request goes through as it sent it, body and Codex headers (issue 16 item 2).
  const official = isOfficialClient(request.headers);
  const translation = official ? passThroughOfficial(body, defaults) : toUpstreamFromResponses(body, defaults);
  const forwardHeaders = official ? officialClientHeaders(request.headers) : undefined;
  return { sessionKey, official, translation, forwardHeaders };
};

export const createResponsesRoute = (services: TurnServices) => {
  const { deps } = services;
  return async (request: Request, client: ClientInfo, record: RequestRecord): Promise<Response> => {
    const body = await readJsonBody(request, responsesRequestSchema, deps.config, client.readBody);
    const { sessionKey, official, translation, forwardHeaders } = toResponsesTurn(body, request, client, { model: deps.config.model });
    const { model, result, serverTiming } = await startTurn(services, {
      request,
      record,
      sessionKey,
      translation,
      stream: body.stream === true,
      forwardHeaders,
    });
    const options = { model, createdAt: Math.floor(deps.now() / 1000), randomId: deps.randomId, backendEvents: official };
    if (body.stream === true) {
      record.deferred = true;
      return streamTurn(services, { result, reducer: createResponsesSse(options), sessionKey, record, serverTiming });
    }
    const fold = createResponsesFold(options);
    await foldTurn(services, { result, reducer: fold, sessionKey, record });
    record.firstByteAt = deps.now();
    return Response.json(fold.response(), { headers: { "server-timing": serverTiming } });
  };
};
