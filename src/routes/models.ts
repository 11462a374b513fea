// GET /v1/models (issue #3 item 7, spec §7.3): the OpenAI list shape, configured model first; Anthropic's shape for
// requests with `anthropic-version` (issue 17 item 5).
import type { ProxyDeps } from "../deps.ts";
import { CATALOGUE_WAIT_MS, type CatalogueView, effortsFrom, type ModelCatalogue } from "../models/backend-catalogue.ts";
import { MODELS_CREATED } from "../models/catalogue.ts";
import { listEffortVariants } from "../models/resolve-model.ts";
import { listClaudeModels } from "../models/claude-models.ts";

/** Anthropic's model list (`type`, `id`, `display_name`, `created_at`; first_id/last_id/has_more paging) for --claude-models. */
const toAnthropicList = (deps: ProxyDeps): string => {
  const createdAt = new Date(MODELS_CREATED * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
  const data = listClaudeModels(deps.config.claudeModels, deps.config.model).map((model) => ({ type: "model", ...model, created_at: createdAt }));
  return JSON.stringify({ data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null });
};

export const createModelsRoute = (deps: ProxyDeps, catalogue: ModelCatalogue) => {
  /** The OpenAI list for one catalogue view, built once per view (the view changes only when it is read again). */
  const lists = new WeakMap<CatalogueView, string>();
  const openAiList = (view: CatalogueView): string => {
    const cached = lists.get(view);
    if (cached !== undefined) return cached;
    const ids = [...new Set([deps.config.model, ...view.listed])];
    const text = JSON.stringify({
      object: "list",
      data: [...new Set([...ids, ...listEffortVariants(ids, effortsFrom(view))])].map((id) => ({
        id,
        object: "model",
        created: MODELS_CREATED,
        owned_by: "godex",
      })),
    });
    lists.set(view, text);
    return text;
  };
  const anthropic = toAnthropicList(deps);
  // Anthropic clients always send anthropic-version; OpenAI clients never do (issue 17 item 5). The OpenAI list is
  // the backend's catalogue (read lazily, models/backend-catalogue.ts), the built-in one while it cannot be read.
  return async (request: Request): Promise<Response> =>
    new Response(request.headers.has("anthropic-version") ? anthropic : openAiList(await catalogue.get(CATALOGUE_WAIT_MS)), {
      headers: { "content-type": "application/json" },
    });
};
