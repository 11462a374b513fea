// Compaction v2 (issue 16 item 5; docs/backend.md §13.4 [REPORTED]): the backend's own `/responses/compact` is gone;
// a compaction is an ordinary streaming turn whose last input item is `{"type":"compaction_trigger"}`, answered with
// exactly one `compaction` output item. Pure.
import { isObject, type JsonObject } from "../json.ts";
import { toItem } from "../schemas/items.ts";
import type { Translation } from "./types.ts";

export const COMPACTION_TRIGGER: JsonObject = { type: "compaction_trigger" };

/** The translation with the trigger as its last input item (in the verbatim body too); one already last is kept. */
export const withCompactionTrigger = (translation: Translation): Translation => {
  const add = (input: unknown[]): JsonObject[] => {
    const items = input.filter(isObject);
    const last = items.at(-1);
    return last !== undefined && toItem(last).type === "compaction_trigger" ? items : [...items, COMPACTION_TRIGGER];
  };
  const { verbatim } = translation;
  return {
    ...translation,
    draft: { ...translation.draft, input: add(translation.draft.input) },
    ...(verbatim !== undefined ? { verbatim: { ...verbatim, input: add(Array.isArray(verbatim.input) ? verbatim.input : []) } } : {}),
  };
};
