// Rebuilds a response's output from its events (spec §5.8): the backend's terminal event says `output: []`.
// Pure reducer shared by the Responses patcher, the non-stream folds and the tool-call capture.
import { exhaustive } from "../exhaustive.ts";
import { isObject, type JsonObject } from "../json.ts";
import { toItem, toContentPart } from "../schemas/items.ts";
import type { UpstreamEvent } from "../schemas/upstream-event.ts";

export interface OutputState {
  /** Finished items keyed by output_index (arrival order when the index is missing). */
  done: Map<number, JsonObject>;
  /** Items announced by output_item.added, for the last-resort rebuild. */
  added: Map<number, JsonObject>;
  /** item_id → accumulated text / arguments deltas, for the last-resort rebuild. */
  deltas: Map<string, string>;
  arrival: number;
}

export const createOutputState = (): OutputState => ({ done: new Map(), added: new Map(), deltas: new Map(), arrival: 0 });

/** Feeds one upstream event into the state (mutates `state` for speed on the per-event path). */
export const collectOutput = (state: OutputState, event: UpstreamEvent): void => {
  switch (event.type) {
    // Once one item is done, finalOutput never rebuilds from added + deltas: they are dropped and no longer kept,
    // so a long stream does not hold every delta until it ends (red team D9).
    case "response.output_item.added":
      if (state.done.size === 0) state.added.set(event.output_index ?? state.arrival, event.item);
      return;
    case "response.output_item.done":
      state.done.set(event.output_index ?? state.arrival, event.item);
      state.arrival += 1;
      state.added.clear();
      state.deltas.clear();
      return;
    case "response.output_text.delta":
    case "response.function_call_arguments.delta":
      if (event.item_id !== undefined && state.done.size === 0) state.deltas.set(event.item_id, (state.deltas.get(event.item_id) ?? "") + event.delta);
      return;
    case "response.refusal.delta":
    case "response.created":
    case "response.in_progress":
    case "response.content_part.added":
    case "response.reasoning_summary_text.delta":
    case "response.function_call_arguments.done":
    case "response.completed":
    case "response.incomplete":
    case "response.failed":
    case "error":
    case "unknown":
      return;
    default:
      return exhaustive(event);
  }
};

const byIndex = (map: Map<number, JsonObject>): JsonObject[] => [...map.entries()].sort((a, b) => a[0] - b[0]).map(([, item]) => item);

/**
 * The final output list: finished items in output_index order; else the terminal event's own output;
 * else items rebuilt from added + deltas. Never a merge of two sources (spec §5.8 rule 3, pitfall 13).
 */
export const finalOutput = (state: OutputState, terminalOutput?: unknown): JsonObject[] => {
  if (state.done.size > 0) return byIndex(state.done);
  if (Array.isArray(terminalOutput) && terminalOutput.length > 0) return terminalOutput.filter(isObject);
  return byIndex(state.added).map((item) => rebuildItem(item, state.deltas.get(String(item.id)) ?? ""));
};

const rebuildItem = (wire: JsonObject, text: string): JsonObject => {
  const item = toItem(wire);
  if (item.type === "function_call") return { ...item, arguments: text || item.arguments || "", status: "completed" };
  if (item.type === "message") return { ...item, status: "completed", content: [{ type: "output_text", text, annotations: [] }] };
  return wire;
};

/** Concatenated output_text of the message items (the Responses `output_text` convenience field). */
export const outputText = (output: readonly JsonObject[]): string => {
  let text = "";
  for (const wire of output) {
    const item = toItem(wire);
    if (item.type !== "message" || !Array.isArray(item.content)) continue;
    for (const raw of item.content) {
      const part = toContentPart(raw);
      if (part.type === "output_text") text += part.text;
    }
  }
  return text;
};
