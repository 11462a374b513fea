// POST /v1/responses (issue #4): validate, translate, add session memory, call upstream, stream or fold.
import type { ClientInfo } from "../deps.ts";
import { readJsonBody } from "../http/read-json.ts";
import type { RequestRecord } from "../request-record.ts";
import { responsesRequestSchema } from "../schemas/responses-request.ts";
import { toSessionKey } from "../session/session-key.ts";
import { createResponsesFold, createResponsesSse } from "../sse/responses-sse.ts";
import { toUpstreamFromResponses } from "../translate/responses-to-upstream.ts";
import { foldTurn, startTurn, streamTurn, type TurnServices } from "./_turn.ts";

/**
 * The official client: `originator` starting with `codex` (codex_cli_rs, codex_exec, …) or the Responses Lite header
 * (docs/backend.md §13.2 [OBSERVED in the CLI 0.169 captures]).
 */
const isOfficialClient = (headers: Headers): boolean =>
  /^codex/i.test(headers.get("originator") ?? "") || headers.has("x-openai-internal-codex-responses-lite");

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
    const options = {
      model: upstreamBody.model,
      createdAt: Math.floor(deps.now() / 1000),
      randomId: deps.randomId,
      backendEvents: isOfficialClient(request.headers),
    };
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
