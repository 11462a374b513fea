// The model and reasoning effort of one upstream body, resolved once for every dialect (spec §7.2, §4.3): the
// effort suffix split off the model id, the body's effort checked against the catalogue, `ultra` sent as `max`, and
// `reasoning.encrypted_content` included whenever the proxy sets an effort the body did not carry.
import type { UpstreamDraft } from "../translate/types.ts";
import { type EffortsOf, resolveModelEffort } from "./resolve-model.ts";

/**
 * The draft with its model and effort resolved (a copy; `effortParam` names the body field for a 400); `effortsOf`
 * is the catalogue in use (the backend's, models/backend-catalogue.ts; the built-in list by default).
 */
export const applyModelEffort = (draft: UpstreamDraft, effortParam: string, effortsOf?: EffortsOf): UpstreamDraft => {
  const bodyEffort = draft.reasoning && typeof draft.reasoning.effort === "string" ? draft.reasoning.effort : undefined;
  const { model, effort } = resolveModelEffort(draft.model, bodyEffort, effortParam, effortsOf);
  const resolved = { ...draft, model };
  if (effort !== undefined && effort !== bodyEffort) {
    resolved.reasoning = { ...(draft.reasoning ?? {}), effort };
    resolved.include = [...new Set([...(draft.include ?? []), "reasoning.encrypted_content"])];
  }
  return resolved;
};
