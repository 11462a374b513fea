// GET /v1/models (issue #3 item 7, spec §7.3): the OpenAI list shape, configured model first; Anthropic's shape for
// requests with `anthropic-version` (issue 17 item 5).
import type { ProxyDeps } from "../deps.ts";
import { listModelIds, MODELS_CREATED } from "../models/catalogue.ts";
import { listEffortVariants } from "../models/resolve-model.ts";
import { listClaudeModels } from "../models/claude-models.ts";

/** Anthropic's model list (`type`, `id`, `display_name`, `created_at`; first_id/last_id/has_more paging) for --claude-models. */
const toAnthropicList = (deps: ProxyDeps): string => {
  const createdAt = new Date(MODELS_CREATED * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
  const data = listClaudeModels(deps.config.claudeModels, deps.config.model).map((model) => ({ type: "model", ...model, created_at: createdAt }));
  return JSON.stringify({ data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null });
};

export const createModelsRoute = (deps: ProxyDeps) => {
  const body = JSON.stringify({
    object: "list",
    data: [...new Set([...listModelIds(deps.config.model), ...listEffortVariants(listModelIds(deps.config.model))])].map((id) => ({
      id,
      object: "model",
      created: MODELS_CREATED,
      owned_by: "godex",
    })),
  });
  const anthropic = toAnthropicList(deps);
  // Anthropic clients always send anthropic-version; OpenAI clients never do (issue 17 item 5).
  return async (request: Request): Promise<Response> =>
    new Response(request.headers.has("anthropic-version") ? anthropic : body, { headers: { "content-type": "application/json" } });
};
