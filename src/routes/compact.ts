// POST /v1/responses/compact (issue 16 item 5; docs/backend.md §13.4 [REPORTED]): older Codex CLIs, and providers
// named `OpenAI`, still call it, but the backend's own endpoint answers 404 since 2026-08-12. Answered with a v2
// compaction upstream: the body as /v1/responses would send it, `compaction_trigger` last, streamed and folded;
// the answer is `{"output":[…]}`, the items the backend returned (its one `compaction` item).
import type { ClientInfo } from "../deps.ts";
import { readJsonBody } from "../http/read-json.ts";
import type { RequestRecord } from "../request-record.ts";
import { responsesRequestSchema } from "../schemas/responses-request.ts";
import { createResponsesFold } from "../sse/responses-sse.ts";
import { withCompactionTrigger } from "../translate/compaction.ts";
import { foldTurn, startTurn, type TurnServices } from "./_turn.ts";
import { toResponsesTurn } from "./responses.ts";

export const createCompactRoute = (services: TurnServices) => {
  const { deps } = services;
  return async (request: Request, client: ClientInfo, record: RequestRecord): Promise<Response> => {
    const body = await readJsonBody(request, responsesRequestSchema, deps.config, client.readBody);
    const turn = toResponsesTurn(body, request, client, { model: deps.config.model });
    const translation = withCompactionTrigger(turn.translation);
    const { model, result, serverTiming } = await startTurn(services, {
      request,
      record,
      sessionKey: turn.sessionKey,
      translation,
      stream: false,
      forwardHeaders: turn.forwardHeaders,
    });
    const fold = createResponsesFold({ model, createdAt: Math.floor(deps.now() / 1000), randomId: deps.randomId, backendEvents: turn.official });
    await foldTurn(services, { result, reducer: fold, sessionKey: turn.sessionKey, record });
    record.firstByteAt = deps.now();
    const response = fold.response();
    return Response.json(
      { output: response.output, ...(response.usage !== undefined ? { usage: response.usage } : {}) },
      { headers: { "server-timing": serverTiming } },
    );
  };
};
