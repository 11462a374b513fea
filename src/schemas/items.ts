// Responses input/output items and tools as the proxy reads them (docs/backend.md §4.6, §4.7, §5.5, §13.1, §13.4):
// plain-TS unions on `type`, each ending in an explicit "unknown" case, the same pattern as upstream-event.ts.
// `toItem` / `toTool` narrow one wire object once, with a few typeof checks and no copy: a known variant IS the wire
// object (a patch through it patches the wire), and anything else is wrapped as "unknown" with `raw` kept as it
// came, so an item or tool the proxy does not understand still goes upstream (or to the client) byte for byte.
// The arrays in the upstream draft stay wire objects (`WireItem`, `WireTool`); these views are for reading.
import { isObject, type JsonObject } from "../json.ts";

/** An input or output item as it goes on the wire; read it through `toItem`. */
export type WireItem = JsonObject;
/** A tool as it goes on the wire; read it through `toTool`. */
export type WireTool = JsonObject;

/** `message`: user/developer/assistant text; `content` is a string (shorthand) or a part array (§4.6, §5.5). */
export type MessageItem = { type: "message"; id?: string; role?: string; status?: unknown; content?: string | unknown[] };

/** `function_call`: `arguments` is a JSON string; `call_id` pairs it with its output (§4.6, §5.5). */
export type FunctionCallItem = { type: "function_call"; id?: string; call_id?: string; name?: string; arguments?: string; status?: unknown };

/** `custom_tool_call`: a freeform tool's call; `input` is the raw text (§13.1). */
export type CustomToolCallItem = { type: "custom_tool_call"; id?: string; call_id?: string; name?: string; input?: string; status?: unknown };

/** `local_shell_call`: the CLI's shell tool; only its call_id matters to the proxy (pairing, §4.6). */
export type LocalShellCallItem = { type: "local_shell_call"; id?: string; call_id?: string };

/** The outputs that answer a call; `output` is a string or a part array on the wire, never read by the proxy but to count it. */
export type CallOutputItem = { type: "function_call_output" | "custom_tool_call_output"; call_id?: string; output?: unknown };

/** `reasoning`: summary parts and the encrypted blob (null when not included, R20) (§4.6, §5.5). */
export type ReasoningItem = { type: "reasoning"; id?: string; summary?: unknown[]; encrypted_content?: string | null };

/** `compaction_trigger`: last input item of a compaction turn (§13.4). */
export type CompactionTriggerItem = { type: "compaction_trigger" };

/** `item_reference`: not accepted upstream with store:false; dropped by the /v1/responses translator (§4.6). */
export type ItemReferenceItem = { type: "item_reference"; id?: string };

/**
 * Anything else: a type the proxy passes through without reading (`web_search_call`, `compaction`, `additional_tools`,
 * `tool_search_call`, …), a known type whose fields have the wrong shape, or an object without a string `type`.
 */
export type UnknownItem = {
  type: "unknown";
  /** The object's own `type`, when it had a string one. */
  name: string | undefined;
  /** The wire object as it came. */
  raw: WireItem;
};

export type KnownItem =
  | MessageItem
  | FunctionCallItem
  | CustomToolCallItem
  | LocalShellCallItem
  | CallOutputItem
  | ReasoningItem
  | CompactionTriggerItem
  | ItemReferenceItem;

export type Item = KnownItem | UnknownItem;

/** The tool calls, which an output must follow (§4.6 pairing). */
export type CallItem = FunctionCallItem | CustomToolCallItem | LocalShellCallItem;

const isOptString = (value: unknown): boolean => value === undefined || typeof value === "string";
const isOptArray = (value: unknown): boolean => value === undefined || Array.isArray(value);

// One guard per variant; each checks the type it claims, so the predicates hold by construction.
const isMessage = (i: JsonObject): i is MessageItem =>
  i.type === "message" && isOptString(i.id) && isOptString(i.role) && (isOptString(i.content) || Array.isArray(i.content));
const isFunctionCall = (i: JsonObject): i is FunctionCallItem =>
  i.type === "function_call" && isOptString(i.id) && isOptString(i.call_id) && isOptString(i.name) && isOptString(i.arguments);
const isCustomToolCall = (i: JsonObject): i is CustomToolCallItem =>
  i.type === "custom_tool_call" && isOptString(i.id) && isOptString(i.call_id) && isOptString(i.name) && isOptString(i.input);
const isLocalShellCall = (i: JsonObject): i is LocalShellCallItem => i.type === "local_shell_call" && isOptString(i.id) && isOptString(i.call_id);
const isCallOutput = (i: JsonObject): i is CallOutputItem =>
  (i.type === "function_call_output" || i.type === "custom_tool_call_output") && isOptString(i.call_id);
const isReasoning = (i: JsonObject): i is ReasoningItem =>
  i.type === "reasoning" && isOptString(i.id) && isOptArray(i.summary) && (isOptString(i.encrypted_content) || i.encrypted_content === null);
const isCompactionTrigger = (i: JsonObject): i is CompactionTriggerItem => i.type === "compaction_trigger";
const isItemReference = (i: JsonObject): i is ItemReferenceItem => i.type === "item_reference" && isOptString(i.id);

const ITEM_GUARDS: ReadonlyMap<string, (i: JsonObject) => i is KnownItem> = new Map<string, (i: JsonObject) => i is KnownItem>([
  ["message", isMessage],
  ["function_call", isFunctionCall],
  ["custom_tool_call", isCustomToolCall],
  ["local_shell_call", isLocalShellCall],
  ["function_call_output", isCallOutput],
  ["custom_tool_call_output", isCallOutput],
  ["reasoning", isReasoning],
  ["compaction_trigger", isCompactionTrigger],
  ["item_reference", isItemReference],
]);

/** Narrows one wire item, once, with no copy: whatever no guard accepts is "unknown" with the object as `raw`. */
export const toItem = (raw: WireItem): Item => {
  const name = typeof raw.type === "string" ? raw.type : undefined;
  const guard = name === undefined ? undefined : ITEM_GUARDS.get(name);
  if (guard !== undefined && guard(raw)) return raw;
  return { type: "unknown", name, raw };
};

/** The wire object behind a view (the item itself, or an unknown item's `raw`). */
export const toRawItem = (item: Item): WireItem => (item.type === "unknown" ? item.raw : item);

/** The item's wire `type` name, also for unknown items (undefined when it has no string type). */
export const itemTypeName = (item: Item): string | undefined => (item.type === "unknown" ? item.name : item.type);

/** Function tool, flat Responses shape (§4.7), or the chat-nested `{type:"function", function:{…}}` a client sent. */
export type FunctionTool = {
  type: "function";
  name?: string | null;
  description?: unknown;
  strict?: unknown;
  parameters?: unknown;
  /** The chat shape's nested definition; null-valued fields are tolerated (and dropped by normalize-tools). */
  function?: JsonObject | null;
};

/** `custom`: a freeform tool, `format` a lark grammar or text (§13.1). */
export type CustomTool = { type: "custom"; name?: string; description?: unknown; format?: unknown };

/** `web_search` (and its older name `web_search_preview`, normalized to it, §4.7). */
export type WebSearchTool = { type: "web_search" | "web_search_preview"; external_web_access?: unknown };

/** Anything else (`local_shell`, `namespace`, `tool_search`, `image_generation`, …) or a wrong shape: passed on as it came. */
export type UnknownTool = { type: "unknown"; name: string | undefined; raw: WireTool };

export type KnownTool = FunctionTool | CustomTool | WebSearchTool;
export type Tool = KnownTool | UnknownTool;

const isFunctionTool = (t: JsonObject): t is FunctionTool =>
  t.type === "function" && (isOptString(t.name) || t.name === null) && (t.function === undefined || t.function === null || isObject(t.function));
const isCustomTool = (t: JsonObject): t is CustomTool => t.type === "custom" && isOptString(t.name);
const isWebSearchTool = (t: JsonObject): t is WebSearchTool => t.type === "web_search" || t.type === "web_search_preview";

const TOOL_GUARDS: ReadonlyMap<string, (t: JsonObject) => t is KnownTool> = new Map<string, (t: JsonObject) => t is KnownTool>([
  ["function", isFunctionTool],
  ["custom", isCustomTool],
  ["web_search", isWebSearchTool],
  ["web_search_preview", isWebSearchTool],
]);

/** Narrows one wire tool, once, with no copy: whatever no guard accepts is "unknown" with the object as `raw`. */
export const toTool = (raw: WireTool): Tool => {
  const name = typeof raw.type === "string" ? raw.type : undefined;
  const guard = name === undefined ? undefined : TOOL_GUARDS.get(name);
  if (guard !== undefined && guard(raw)) return raw;
  return { type: "unknown", name, raw };
};

/** The wire object behind a tool view. */
export const toRawTool = (tool: Tool): WireTool => (tool.type === "unknown" ? tool.raw : tool);

/** `output_text` / `input_text` / `summary_text`: text in a message's content or a reasoning item's summary (§4.6, §5.5). */
export type TextPart = { type: "output_text" | "input_text" | "summary_text"; text: string; annotations?: unknown };

/** `refusal`: the model declined; its text is in `refusal` (§5.5). */
export type RefusalPart = { type: "refusal"; refusal: string };

/** `input_image` / `input_file`: an attachment, counted but never read (§4.6). */
export type AttachmentPart = { type: "input_image" | "input_file" };

/** Any other part, a known type with the wrong field shapes, or a value that is not an object: passed on as it came. */
export type UnknownPart = { type: "unknown"; name: string | undefined; raw: unknown };

export type ContentPart = TextPart | RefusalPart | AttachmentPart | UnknownPart;

const isTextPart = (p: JsonObject): p is TextPart =>
  (p.type === "output_text" || p.type === "input_text" || p.type === "summary_text") && typeof p.text === "string";
const isRefusalPart = (p: JsonObject): p is RefusalPart => p.type === "refusal" && typeof p.refusal === "string";
const isAttachmentPart = (p: JsonObject): p is AttachmentPart => p.type === "input_image" || p.type === "input_file";

/** Narrows one element of a `content` or `summary` array, once, with no copy: a known part IS the wire object. */
export const toContentPart = (raw: unknown): ContentPart => {
  if (!isObject(raw)) return { type: "unknown", name: undefined, raw };
  if (isTextPart(raw) || isRefusalPart(raw) || isAttachmentPart(raw)) return raw;
  return { type: "unknown", name: typeof raw.type === "string" ? raw.type : undefined, raw };
};
