// A client's /v1/responses body → the upstream draft (spec §8.2, issue #4 item 4): normalise input items,
// fold system/developer text into instructions, allow-list top-level keys. Pure.
import type { ResponsesRequest } from "../schemas/responses-request.ts";
import { isObject, type JsonObject } from "../json.ts";
import { joinInstructions } from "../session/resolve-instructions.ts";
import { normalizeTools } from "./normalize-tools.ts";
import type { Translation, UpstreamDraft } from "./types.ts";

/** Top-level keys the translator reads or forwards; anything else is dropped with a warning (spec §4.3–4.4). */
const HANDLED = new Set([
  "model",
  "input",
  "instructions",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "reasoning",
  "include",
  "text",
  "service_tier",
  "prompt_cache_key",
  "client_metadata",
  "stream",
  "store",
]);
const SERVICE_TIERS = new Set(["priority", "flex"]);
const ITEM_KEYS_DROPPED = ["id", "status"];
const STATUS_KEPT_FOR = new Set(["web_search_call", "image_generation_call", "local_shell_call", "tool_search_call"]);

const partsToText = (content: unknown): string => {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part) => (isObject(part) && typeof part.text === "string" ? part.text : typeof part === "string" ? part : ""))
    .filter((text) => text.trim() !== "")
    .join("\n\n");
};

/** Message content as explicit parts: strings become one text part of the role's kind. */
const toParts = (role: string, content: unknown): unknown => {
  const textType = role === "assistant" ? "output_text" : "input_text";
  if (typeof content === "string") return [{ type: textType, text: content }];
  if (!Array.isArray(content)) return content;
  return content.map((part) => {
    if (typeof part === "string") return { type: textType, text: part };
    if (!isObject(part)) return part;
    // Assistant history typed input_text is rejected (spec §10 pitfall 7); "text" is the chat-style name.
    if (role === "assistant" && (part.type === "input_text" || part.type === "text")) return { ...part, type: "output_text" };
    if (role !== "assistant" && part.type === "text") return { ...part, type: "input_text" };
    return part;
  });
};

/**
 * Normalises one item; returns null for items that are dropped (item_reference) or folded (leading system text).
 * `leading`: no item came before it, so system/developer text still belongs to `instructions`.
 */
const normalizeItem = (raw: JsonObject, system: string[], warnings: string[], leading: boolean): JsonObject | null => {
  const item: JsonObject = { ...raw };
  if (item.type === undefined && typeof item.role === "string") item.type = "message";
  if (item.type === "item_reference") {
    warnings.push("dropped an item_reference (nothing is stored upstream)");
    return null;
  }
  for (const key of ITEM_KEYS_DROPPED) {
    if (key === "status" && STATUS_KEPT_FOR.has(String(item.type))) continue;
    delete item[key];
  }
  if (item.type !== "message") return item;
  const role = String(item.role ?? "");
  if (role === "system" || role === "developer") {
    const text = partsToText(item.content);
    if (text.trim() === "") return null;
    if (leading) {
      system.push(text);
      return null;
    }
    // After the conversation began: in place, as a developer message (developer-message.ts), so the prefix holds.
    item.role = "developer";
  }
  item.content = toParts(role, item.content);
  return item;
};

/** Translates a validated /v1/responses request into the upstream draft. */
export const toUpstreamFromResponses = (request: ResponsesRequest, defaults: { model: string }): Translation => {
  const warnings: string[] = [];
  const system: string[] = [];
  const rawInput = request.input;
  const items: JsonObject[] =
    typeof rawInput === "string"
      ? [{ type: "message", role: "user", content: rawInput }]
      : Array.isArray(rawInput)
        ? (rawInput as JsonObject[])
        : isObject(rawInput)
          ? [rawInput]
          : [];
  const input: JsonObject[] = [];
  for (const item of items) {
    const normalized = normalizeItem(item, system, warnings, input.length === 0);
    if (normalized) input.push(normalized);
  }

  const tools = normalizeTools(request.tools as JsonObject[] | null | undefined, request.tool_choice, request.parallel_tool_calls);
  warnings.push(...tools.warnings);
  const draft: UpstreamDraft = {
    model: request.model ?? defaults.model,
    input,
    tools: tools.tools,
    tool_choice: tools.tool_choice,
    parallel_tool_calls: tools.parallel_tool_calls,
  };
  if (request.reasoning !== undefined) draft.reasoning = request.reasoning;
  const include = new Set(request.include ?? []);
  if (isObject(request.reasoning)) include.add("reasoning.encrypted_content");
  if (include.size > 0) draft.include = [...include];
  if (isObject(request.text) && Object.keys(request.text).length > 0) draft.text = request.text;
  if (request.service_tier != null) {
    if (SERVICE_TIERS.has(request.service_tier)) draft.service_tier = request.service_tier;
    else warnings.push(`dropped service_tier "${request.service_tier}" (only priority and flex are accepted)`);
  }
  if (request.prompt_cache_key) draft.prompt_cache_key = request.prompt_cache_key;
  if (isObject(request.client_metadata)) draft.client_metadata = request.client_metadata;

  const dropped = Object.keys(request).filter((key) => !HANDLED.has(key) && (request as JsonObject)[key] !== undefined);
  if (dropped.length > 0) warnings.push(`dropped unsupported parameters: ${dropped.join(", ")}`);
  return { draft, instructions: joinInstructions(request.instructions, system.join("\n\n")), warnings };
};
