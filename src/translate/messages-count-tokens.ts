// count_tokens (issue 17 item 1; docs/anthropic.md "count_tokens"): an o200k estimate of what the backend would read
// for a translated request: instructions, every input item's text, and the tool definitions. Pure, given `count`.
import { exhaustive } from "../exhaustive.ts";
import { isObject } from "../json.ts";
import { toItem, type WireItem, toContentPart } from "../schemas/items.ts";
import type { UpstreamDraft } from "./types.ts";

/** Per image or file part: Anthropic's ceiling for one image at its default resolution (≈ 1568 tokens). */
export const ATTACHMENT_TOKENS = 1568;
/** Per input item: the role and separator tokens chat formats add around each message (o200k chat framing). */
export const ITEM_OVERHEAD_TOKENS = 4;

const textOfParts = (parts: unknown, count: (text: string) => number): number => {
  if (typeof parts === "string") return count(parts);
  if (!Array.isArray(parts)) return 0;
  let tokens = 0;
  for (const raw of parts) {
    const part = toContentPart(raw);
    switch (part.type) {
      case "input_image":
      case "input_file":
        tokens += ATTACHMENT_TOKENS;
        break;
      case "output_text":
      case "input_text":
      case "summary_text":
        tokens += count(part.text);
        break;
      case "refusal":
        break; // the Messages translator never sends one upstream
      case "unknown":
        // A part of a type the proxy does not read still counts its text, as the estimate did before the union.
        if (isObject(part.raw) && typeof part.raw.text === "string") tokens += count(part.raw.text);
        break;
      default:
        exhaustive(part);
    }
  }
  return tokens;
};

const itemTokens = (wire: WireItem, count: (text: string) => number): number => {
  const item = toItem(wire);
  switch (item.type) {
    case "message":
      return textOfParts(item.content, count);
    case "function_call":
      return count(item.name ?? "") + count(item.arguments ?? "");
    case "function_call_output":
      return textOfParts(item.output, count);
    case "reasoning":
      // Only the summary is visible; the encrypted reasoning's size is the backend's secret.
      return textOfParts(item.summary, count);
    case "custom_tool_call":
    case "local_shell_call":
    case "custom_tool_call_output":
    case "compaction_trigger":
    case "item_reference":
    case "unknown":
      return count(JSON.stringify(wire));
    default:
      return exhaustive(item);
  }
};

/** Estimated input tokens of `instructions` + `draft` (the translated request, before session memory). */
export const estimateInputTokens = (instructions: string, draft: UpstreamDraft, count: (text: string) => number): number => {
  let tokens = instructions === "" ? 0 : count(instructions) + ITEM_OVERHEAD_TOKENS;
  for (const item of draft.input) tokens += itemTokens(item, count) + ITEM_OVERHEAD_TOKENS;
  if (draft.tools && draft.tools.length > 0) tokens += count(JSON.stringify(draft.tools));
  return tokens;
};
