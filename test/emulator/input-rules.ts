// Item-level request rules R13–R20 of spec §12.1 (input items, §4.6). Each rule scans every item before the next
// rule runs, so with two violations the lower-numbered rule wins, as §12.1 orders them.
//
// Period of each rule (codex-backend.md §13 wins over §§1–12):
// | Rule | April 2026 (§4.6, §12.1) | Late 2026 (default, §13.1) |
// |---|---|---|
// | R14 item types | the §12.1 list | plus `additional_tools` [OBSERVED: lite-gpt-5.6-sol.turn1] and `compaction_trigger` (§13.4 [REPORTED]) |
// | R16 ids | no `id` on any item: a wrong prefix → "Expected an ID that begins with…", any other → "not found" | an id whose prefix fits its item type is accepted with `store:false`: `msg` [OBSERVED], `at` [OBSERVED], `fc` and `fco` [OBSERVED: classic-gpt-5.5.turn2], `rs`, `ctc` (§4.6 prefixes), `ctco` [OBSERVED: captured/*.custom-tool.turn2], `cmp` (emulator choice: the id it gives compaction items). Wrong prefix, more than 64 chars or outside [A-Za-z0-9_-] → the "Expected an ID that begins with…" 400; ids on other item types and every `item_reference` → "not found", as in April. `itemIds: "reject"` restores the April rule |
import { envelope, detail, isObject, quoteList, shown, typeWord, type Rejection } from "./wire.ts";

/** R14 item types, in the order the row lists them. */
export const ITEM_TYPES = [
  "message",
  "function_call",
  "function_call_output",
  "reasoning",
  "custom_tool_call",
  "custom_tool_call_output",
  "local_shell_call",
  "web_search_call",
  "image_generation_call",
  "tool_search_call",
  "tool_search_output",
  "compaction",
  "item_reference",
  // late 2026 (§13.1, §13.4)
  "additional_tools",
  "compaction_trigger",
] as const;

const ROLES = ["user", "developer", "assistant"];
const ASSISTANT_PARTS = ["output_text", "refusal"];
const USER_PARTS = ["input_text", "input_image", "input_file"];
const WEB_SEARCH_ACTIONS = ["search", "open_page", "find_in_page"];
/** April (§4.6): the prefix the "Expected an ID that begins with…" message names. */
const ID_PREFIX: Record<string, string> = { message: "msg", reasoning: "rs", function_call: "fc", custom_tool_call: "ctc" };
/** Late 2026 (§13.1): item types whose prefixed ids the backend accepts with store:false. */
const ACCEPTED_ID_PREFIX: Record<string, string> = {
  ...ID_PREFIX,
  additional_tools: "at",
  function_call_output: "fco",
  custom_tool_call_output: "ctco",
  compaction: "cmp",
};
const WELL_FORMED_ID = /^[A-Za-z0-9_-]{1,64}$/;
const CALL_TYPES = new Set(["function_call", "custom_tool_call", "local_shell_call"]);
const OUTPUT_TYPES = new Set(["function_call_output", "custom_tool_call_output"]);

export interface InputRuleContext {
  requireToolOutput: boolean;
  /** R16: "accept-prefixed" (late 2026, §13.1, default) or "reject" (April 2026, §4.6). */
  itemIds: "accept-prefixed" | "reject";
  /** R20: was this encrypted_content issued by this emulator to this account? */
  isIssuedBlob(blob: string): boolean;
}

/** The effective type of an item: its `type`, or "message" for the `{role, content}` shorthand (R14). */
export function itemType(item: unknown): unknown {
  if (!isObject(item)) return undefined;
  if (item.type === undefined && item.role !== undefined) return "message";
  return item.type;
}

/** Runs R13–R20 over `input` (already known to be an array); returns the first failure or null. */
export function checkInput(input: unknown[], ctx: InputRuleContext): Rejection | null {
  return (
    checkSystemRole(input) ??
    checkTypesAndRoles(input) ??
    checkContentParts(input) ??
    checkIds(input, ctx.itemIds) ??
    checkCallFields(input) ??
    checkOutputsFollowCalls(input) ??
    (ctx.requireToolOutput ? checkCallsHaveOutputs(input) : null) ??
    checkEncryptedContent(input, ctx)
  );
}

// R13
function checkSystemRole(input: unknown[]): Rejection | null {
  for (const item of input) if (isObject(item) && item.role === "system") return detail(400, "System messages are not allowed");
  return null;
}

// R14
function checkTypesAndRoles(input: unknown[]): Rejection | null {
  for (const [n, item] of input.entries()) {
    const type = itemType(item);
    if (typeof type !== "string" || !(ITEM_TYPES as readonly string[]).includes(type)) {
      return envelope(`Invalid value: '${shown(type)}'. Supported values are: ${quoteList(ITEM_TYPES)}.`, `input[${n}]`, "invalid_value");
    }
    if (type === "message" && isObject(item) && (typeof item.role !== "string" || !ROLES.includes(item.role))) {
      return envelope(
        `Invalid value: '${shown(item.role)}'. Supported values are: 'assistant', 'system', 'developer', and 'user'.`,
        `input[${n}]`,
        "invalid_value",
      );
    }
  }
  return null;
}

// R15
function checkContentParts(input: unknown[]): Rejection | null {
  for (const [n, item] of input.entries()) {
    if (!isObject(item)) continue;
    const type = itemType(item);
    if (type === "message" && Array.isArray(item.content)) {
      const allowed = item.role === "assistant" ? ASSISTANT_PARTS : USER_PARTS;
      for (const [m, part] of item.content.entries()) {
        const partType = isObject(part) ? part.type : undefined;
        if (typeof partType !== "string" || !allowed.includes(partType)) {
          return envelope(`Invalid value: '${shown(partType)}'. Supported values are: ${quoteList(allowed)}.`, `input[${n}].content[${m}]`, "invalid_value");
        }
      }
    }
    // Only checked when `action` is present: the backend is seen rejecting unknown actions, not missing ones.
    if (type === "web_search_call" && item.action !== undefined) {
      const actionType = isObject(item.action) ? item.action.type : undefined;
      if (typeof actionType !== "string" || !WEB_SEARCH_ACTIONS.includes(actionType)) {
        return envelope(
          `Invalid value: '${shown(actionType)}'. Supported values are: ${quoteList(WEB_SEARCH_ACTIONS)}.`,
          `input[${n}].action.type`,
          "invalid_value",
        );
      }
    }
  }
  return null;
}

// R16
function checkIds(input: unknown[], mode: InputRuleContext["itemIds"]): Rejection | null {
  for (const [n, item] of input.entries()) {
    if (!isObject(item)) continue;
    const type = itemType(item);
    if (type === "item_reference" || "id" in item) {
      const accepted = mode === "accept-prefixed" && typeof type === "string" ? ACCEPTED_ID_PREFIX[type] : undefined;
      if (accepted !== undefined) {
        if (typeof item.id === "string" && item.id.startsWith(accepted) && WELL_FORMED_ID.test(item.id)) continue;
        return envelope(`Invalid 'input[${n}].id': '${shown(item.id)}'. Expected an ID that begins with '${accepted}'.`, `input[${n}].id`, "invalid_value");
      }
      const prefix = typeof type === "string" ? ID_PREFIX[type] : undefined;
      if (type !== "item_reference" && prefix !== undefined && !(typeof item.id === "string" && item.id.startsWith(prefix))) {
        return envelope(`Invalid 'input[${n}].id': '${shown(item.id)}'. Expected an ID that begins with '${prefix}'.`, `input[${n}].id`, "invalid_value");
      }
      return envelope(
        `Item with id '${shown(item.id)}' not found. Items are not persisted when \`store\` is set to false. Try again with \`store\` set to true, or remove this item from your input.`,
        "input",
        null,
      );
    }
  }
  return null;
}

// R17
function checkCallFields(input: unknown[]): Rejection | null {
  for (const [n, item] of input.entries()) {
    if (!isObject(item)) continue;
    const type = itemType(item);
    if (type === "function_call" && typeof item.arguments !== "string") {
      if (item.arguments === undefined) {
        return envelope(`Missing required parameter: 'input[${n}].arguments'.`, `input[${n}].arguments`, "missing_required_parameter");
      }
      return envelope(
        `Invalid type for 'input[${n}].arguments': expected a string, but got ${typeWord(item.arguments)} instead.`,
        `input[${n}].arguments`,
        "invalid_type",
      );
    }
    const needsCallId = type === "function_call" || type === "function_call_output" || type === "custom_tool_call" || type === "custom_tool_call_output";
    if (needsCallId && !(typeof item.call_id === "string" && item.call_id !== "")) {
      return envelope(`Missing required parameter: 'input[${n}].call_id'.`, `input[${n}].call_id`, "missing_required_parameter");
    }
  }
  return null;
}

// R18: an output pairs with any earlier call item of the same call_id (the CLI replays local_shell_call +
// function_call_output, §4.6).
function checkOutputsFollowCalls(input: unknown[]): Rejection | null {
  const seen = new Set<unknown>();
  for (const item of input) {
    if (!isObject(item)) continue;
    const type = itemType(item);
    if (typeof type === "string" && CALL_TYPES.has(type) && item.call_id !== undefined) seen.add(item.call_id);
    if (typeof type === "string" && OUTPUT_TYPES.has(type) && !seen.has(item.call_id)) {
      return envelope(`No tool call found for function call output with call_id ${shown(item.call_id)}.`, "input", null);
    }
  }
  return null;
}

// R19
function checkCallsHaveOutputs(input: unknown[]): Rejection | null {
  for (const [n, item] of input.entries()) {
    if (!isObject(item) || itemType(item) !== "function_call") continue;
    const answered = input.slice(n + 1).some((later) => {
      const type = itemType(later);
      return isObject(later) && typeof type === "string" && OUTPUT_TYPES.has(type) && later.call_id === item.call_id;
    });
    if (!answered) return envelope(`No tool output found for function call ${shown(item.call_id)}.`, "input", null);
  }
  return null;
}

// R20: a null encrypted_content carries nothing to verify and is let through. Replayed `compaction` items (§13.4)
// carry a blob too and are checked the same way (emulator choice: only this emulator's own blobs are real).
function checkEncryptedContent(input: unknown[], ctx: InputRuleContext): Rejection | null {
  for (const item of input) {
    if (!isObject(item) || (itemType(item) !== "reasoning" && itemType(item) !== "compaction")) continue;
    const blob = item.encrypted_content;
    if (blob === undefined || blob === null) continue;
    if (typeof blob !== "string" || !ctx.isIssuedBlob(blob)) {
      return envelope(`The encrypted content ${shown(blob)} could not be verified.`, null, "invalid_encrypted_content");
    }
  }
  return null;
}
