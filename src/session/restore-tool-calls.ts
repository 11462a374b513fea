// Re-inserts a remembered call before an output whose call is missing from the input (spec §9.3). Pure.
import { exhaustive } from "../exhaustive.ts";
import { toItem, type WireItem } from "../schemas/items.ts";

/** Whether an item is a call or an output that a call must precede, with its call_id; undefined for the rest. */
const pairingOf = (wire: WireItem): { kind: "call" | "output"; callId: string } | undefined => {
  const item = toItem(wire);
  switch (item.type) {
    case "function_call":
    case "custom_tool_call":
    case "local_shell_call":
      return item.call_id === undefined ? undefined : { kind: "call", callId: item.call_id };
    case "function_call_output":
    case "custom_tool_call_output":
      return item.call_id === undefined ? undefined : { kind: "output", callId: item.call_id };
    case "message":
    case "reasoning":
    case "compaction_trigger":
    case "item_reference":
    case "unknown":
      return undefined;
    default:
      return exhaustive(item);
  }
};

/** The call_ids of outputs with no earlier call in the same input, in order. */
export const findOrphanOutputs = (input: readonly WireItem[]): string[] => restoreToolCalls(input, new Map()).missing;

/**
 * Inserts `remembered[call_id]` immediately before each orphan output. Returns the new input and the
 * call_ids nothing was remembered for (the caller answers 400 naming them).
 */
export const restoreToolCalls = (input: readonly WireItem[], remembered: ReadonlyMap<string, WireItem>): { input: WireItem[]; missing: string[] } => {
  const seen = new Set<string>();
  const out: WireItem[] = [];
  const missing: string[] = [];
  for (const item of input) {
    const pairing = pairingOf(item);
    if (pairing?.kind === "call") {
      seen.add(pairing.callId);
    } else if (pairing?.kind === "output" && !seen.has(pairing.callId)) {
      const call = remembered.get(pairing.callId);
      if (call) out.push(call);
      else missing.push(pairing.callId);
      seen.add(pairing.callId);
    }
    out.push(item);
  }
  return { input: out, missing };
};

/** The call items of a finished output, reduced to what a later request must replay (no id, no status). */
export const toRememberedCalls = (output: readonly WireItem[]): WireItem[] => {
  const calls: WireItem[] = [];
  for (const wire of output) {
    const item = toItem(wire);
    if (item.type === "function_call" && item.call_id !== undefined) {
      calls.push({ type: "function_call", call_id: item.call_id, name: item.name, arguments: item.arguments ?? "" });
    } else if (item.type === "custom_tool_call" && item.call_id !== undefined) {
      calls.push({ type: "custom_tool_call", call_id: item.call_id, name: item.name, input: item.input ?? "" });
    }
  }
  return calls;
};

/** The first call_id used by two calls (or two outputs) in one input: the backend cannot pair them. */
export const findDuplicateCallId = (input: readonly WireItem[]): string | undefined => {
  const seen = new Set<string>();
  for (const item of input) {
    const pairing = pairingOf(item);
    if (pairing === undefined) continue;
    const key = `${pairing.kind}:${pairing.callId}`;
    if (seen.has(key)) return pairing.callId;
    seen.add(key);
  }
  return undefined;
};
