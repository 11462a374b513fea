// The official Codex client's /v1/responses body → upstream, as it was sent (issue 16 item 2; docs/backend.md §13,
// [OBSERVED]: the backend accepts what the CLI 0.169 sends). No folding of developer items, no id stripping, no
// key allow-list, no added keys; the session layer may only re-insert a remembered call before a lone output and
// set what the backend is known to reject otherwise (`stream: true`, `store: false`). Pure.
import { isObject, type JsonObject } from "../json.ts";
import type { Translation } from "./types.ts";

/** A body without `model` gets --model, the one key added: the backend rejects a request without one (spec §4.3). */
export const passThroughOfficial = (body: JsonObject, defaults: { model: string }): Translation => {
  const model = typeof body.model === "string" ? body.model : defaults.model;
  return {
    draft: { model, input: Array.isArray(body.input) ? body.input.filter(isObject) : [] },
    instructions: typeof body.instructions === "string" ? body.instructions : "",
    warnings: [],
    verbatim: body.model === undefined ? { ...body, model } : body,
  };
};
