// Re-inserts a remembered call before an output whose call is missing from the input (spec §9.3). Pure.
import type { JsonObject } from "../json.ts";

const OUTPUT_TO_CALL: Record<string, string> = {
  function_call_output: "function_call",
  custom_tool_call_output: "custom_tool_call",
};

const CALL_TYPES = new Set(["function_call", "custom_tool_call", "local_shell_call"]);

/** The call_ids of outputs with no earlier call in the same input, in order. */
export const findOrphanOutputs = (input: readonly JsonObject[]): string[] => restoreToolCalls(input, new Map()).missing;

/**
 * Inserts `remembered[call_id]` immediately before each orphan output. Returns the new input and the
 * call_ids nothing was remembered for (the caller answers 400 naming them).
 */
export const restoreToolCalls = (input: readonly JsonObject[], remembered: ReadonlyMap<string, JsonObject>): { input: JsonObject[]; missing: string[] } => {
  const seen = new Set<string>();
  const out: JsonObject[] = [];
  const missing: string[] = [];
  for (const item of input) {
    const callId = typeof item.call_id === "string" ? item.call_id : undefined;
    if (callId !== undefined && CALL_TYPES.has(item.type as string)) {
      seen.add(callId);
    } else if (callId !== undefined && typeof item.type === "string" && item.type in OUTPUT_TO_CALL && !seen.has(callId)) {
      const call = remembered.get(callId);
      if (call) out.push(call);
      else missing.push(callId);
      seen.add(callId);
    }
    out.push(item);
  }
  return { input: out, missing };
};

/** The call items of a finished output, reduced to what a later request must replay (no id, no status). */
export const toRememberedCalls = (output: readonly JsonObject[]): JsonObject[] => {
  const calls: JsonObject[] = [];
  for (const item of output) {
    if (typeof item.call_id !== "string") continue;
    if (item.type === "function_call") {
      calls.push({ type: "function_call", call_id: item.call_id, name: item.name, arguments: typeof item.arguments === "string" ? item.arguments : "" });
    } else if (item.type === "custom_tool_call") {
      calls.push({ type: "custom_tool_call", call_id: item.call_id, name: item.name, input: typeof item.input === "string" ? item.input : "" });
    }
  }
  return calls;
};

/** The first call_id used by two calls (or two outputs) in one input: the backend cannot pair them. */
export const findDuplicateCallId = (input: readonly JsonObject[]): string | undefined => {
  const seen = new Set<string>();
  for (const item of input) {
    if (typeof item.call_id !== "string" || typeof item.type !== "string") continue;
    const kind = CALL_TYPES.has(item.type) ? "call" : item.type in OUTPUT_TO_CALL ? "output" : undefined;
    if (kind === undefined) continue;
    const key = `${kind}:${item.call_id}`;
    if (seen.has(key)) return item.call_id;
    seen.add(key);
  }
  return undefined;
};
