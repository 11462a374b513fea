// GET /v1/models (issue #3 item 7, spec §7.3): the OpenAI list shape, configured model first.
import type { ProxyDeps } from "../deps.ts";
import { listModelIds, MODELS_CREATED } from "../models/catalogue.ts";
import { listEffortVariants } from "../models/resolve-model.ts";

export const createModelsRoute = (deps: ProxyDeps) => {
  const body = JSON.stringify({
    object: "list",
    data: [...new Set([...listModelIds(deps.config.model), ...listEffortVariants(listModelIds(deps.config.model))])].map((id) => ({ id, object: "model", created: MODELS_CREATED, owned_by: "godex" })),
  });
  return async (): Promise<Response> => new Response(body, { headers: { "content-type": "application/json" } });
};
