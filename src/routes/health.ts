// GET /health (issue #3 item 7): liveness plus whether credentials are usable; never a secret. No key needed.
import type { ProxyDeps } from "../deps.ts";
import { type ModelCatalogue, knowsModel, modelProblem } from "../models/backend-catalogue.ts";

export const createHealthRoute = (deps: ProxyDeps, version: string, catalogue: ModelCatalogue) => {
  const startedAt = deps.now();
  return async (): Promise<Response> => {
    const auth = await deps.auth.status();
    const body = {
      status: "ok",
      version,
      uptime_s: Math.round((deps.now() - startedAt) / 1000),
      model: deps.config.model,
      // What is known now, never read here (health answers without the backend): issue 16 item 7.
      models: modelsStatus(catalogue, deps.config.model),
      credentials: {
        path: auth.path,
        loaded: auth.loaded,
        account_id_present: auth.accountId,
        access_token_expires_at: auth.expiresAt ?? null,
        refresh_enabled: deps.config.allowRefresh,
        ...(auth.error ? { error: auth.error } : {}),
      },
    };
    return Response.json(body, { headers: { "cache-control": "no-store" } });
  };
};

const modelsStatus = (catalogue: ModelCatalogue, model: string) => {
  const view = catalogue.peek();
  const warning = modelProblem(view, model);
  return {
    catalogue: view.source,
    catalogue_default: view.defaultModel ?? null,
    model_in_catalogue: view.source === "backend" ? knowsModel(view, model) : null,
    ...(warning ? { warning } : {}),
  };
};
