// Anthropic Messages request → Codex upstream draft (issue 17 item 2; docs/anthropic.md "Request"; spec §4.3–§4.8).
// Pure: instructions caching, call reconstruction and the session key belong to the caller (spec §9).
import { badRequest } from "../errors.ts";
import { clampEffort, resolveClaudeModel, weakestEffort, type ClaudeModelEntry } from "../models/claude-models.ts";
import { splitEffortSuffix } from "../models/resolve-model.ts";
import type { MessagesBlock, MessagesMessage, MessagesRequest, MessagesToolResultPart } from "../schemas/messages-request.ts";
import { isObject, type JsonObject } from "../json.ts";
import { developerMessage } from "./developer-message.ts";
import { fromThinkingSignature } from "./messages-signature.ts";
import type { Translation, UpstreamDraft } from "./types.ts";

export interface MessagesTranslateOptions {
  /** --model: for requests without a model and for Claude ids the table sends to "the default model". */
  model: string;
  /** The parsed --claude-models table. */
  claudeModels: readonly ClaudeModelEntry[];
}

/** How reasoning reaches the client: summaries as thinking text, signatures only, or no thinking blocks. */
export type ThinkingOutput = "summarized" | "omitted" | "off";

export interface MessagesTranslation extends Translation {
  /** The model the client asked for, echoed in every response (issue 17 item 5). */
  requestedModel: string;
  thinking: ThinkingOutput;
}

/** Anthropic's per-image limit on decoded bytes (5 MB); a larger image is a 400 before anything goes upstream. */
export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;

/** Claude Code's per-request attribution line (its `cch=` hash changes every turn, which breaks prefix caching). */
const BILLING_HEADER = /^\s*x-anthropic-billing-header:/i;

/** Top-level keys this translator reads; others present are accepted and not sent (logged at debug). */
const HANDLED_KEYS = new Set(["model", "messages", "system", "tools", "tool_choice", "thinking", "output_config", "output_format", "stream"]);
const DROP_REASONS: Readonly<Record<string, string>> = {
  max_tokens: "no token cap can be sent (spec §4.4)",
  temperature: "sampling is fixed (spec §4.4)",
  top_p: "sampling is fixed (spec §4.4)",
  top_k: "sampling is fixed (spec §4.4)",
  stop_sequences: "not supported upstream (spec §4.4)",
  metadata: "used as the session key, never forwarded (spec §4.4)",
  service_tier: "Anthropic tiers have no backend equivalent",
  context_management: "the backend manages its own context",
};

const EMPTY_PARAMETERS = { type: "object", properties: {} };

/** `thinking.budget_tokens` → effort (docs/anthropic.md "Reasoning effort"); the first bound not exceeded wins. */
const BUDGET_EFFORTS: readonly [number, string][] = [
  [3_999, "low"],
  [15_999, "medium"],
  [31_999, "high"],
  [Number.POSITIVE_INFINITY, "xhigh"],
];
/** `output_config.effort` → Codex effort before clamping to the model. */
const OUTPUT_EFFORTS: Readonly<Record<string, string>> = { low: "low", medium: "medium", high: "high", xhigh: "xhigh", max: "max" };

interface Context {
  warnings: string[];
  input: JsonObject[];
  system: string[];
  /** tool_use_id → the path of its tool_result block, for the 400 when no tool_use exists for it. */
  toolResults: Map<string, string>;
}

/**
 * Translates a validated Messages request into the upstream draft, the system text for `instructions` and warnings.
 * Throws a 400 (naming the field) for blocks in the wrong role, images over 5 MB, Files API sources and a
 * `tool_choice` naming an undeclared tool.
 */
export const toUpstreamFromMessages = (request: MessagesRequest, options: MessagesTranslateOptions): MessagesTranslation => {
  const ctx: Context = { warnings: [], input: [], system: [], toolResults: new Map() };
  for (const key of Object.keys(request)) {
    if (HANDLED_KEYS.has(key) || (request as JsonObject)[key] === undefined || (request as JsonObject)[key] === null) continue;
    ctx.warnings.push(`accepted "${key}", not sent: ${DROP_REASONS[key] ?? "no backend equivalent (spec §4.3 allow-list)"}`);
  }
  ctx.system.push(...systemTexts(request.system, "system", ctx));
  request.messages.forEach((message, index) => addMessage(message, index, ctx));

  const requestedModel = request.model ?? options.model;
  const slot = resolveClaudeModel(requestedModel, options.claudeModels, options.model);
  const draft: UpstreamDraft = { model: slot.model, input: ctx.input, ...toToolFields(request, ctx.warnings) };

  const thinking = toThinkingOutput(request);
  const effort = toEffort(request, slot.model, slot.effort);
  if (effort !== undefined || thinking !== "off") {
    const reasoning: JsonObject = {};
    if (effort !== undefined) reasoning.effort = effort;
    if (thinking === "summarized") reasoning.summary = "auto";
    draft.reasoning = reasoning;
    draft.include = ["reasoning.encrypted_content"]; // the signature carries it to the next turn (spec §4.8)
  }
  const format = toTextFormat(request);
  if (format) draft.text = { format };
  const describeMissingCall = (callId: string) => {
    const at = ctx.toolResults.get(callId);
    if (at === undefined) return undefined;
    return {
      param: `${at}.tool_use_id`,
      message:
        `${at}.tool_use_id: no tool_use block with id "${callId}" comes before this tool_result, and this proxy remembers none ` +
        "for this session (restart, --cache-ttl expiry, or another X-Claude-Code-Session-Id). Send the assistant's tool_use block in an earlier message.",
    };
  };
  return {
    draft,
    instructions: ctx.system.join("\n\n"),
    warnings: ctx.warnings,
    requestedModel,
    thinking,
    effortParam: "output_config.effort",
    describeMissingCall,
  };
};

/** Thinking blocks go to the client only when the request enabled thinking; `display: "omitted"` keeps the text out. */
const toThinkingOutput = (request: MessagesRequest): ThinkingOutput => {
  const thinking = request.thinking;
  if (!thinking || thinking.type === "disabled") return "off";
  return thinking.display === "omitted" ? "omitted" : "summarized";
};

/** output_config.effort, else the thinking budget, else the weakest effort when thinking is disabled, else the slot's. */
const toEffort = (request: MessagesRequest, model: string, slotEffort: string | undefined): string | undefined => {
  const base = splitEffortSuffix(model).model;
  const requested = request.output_config?.effort;
  if (typeof requested === "string" && requested !== "") {
    const mapped = OUTPUT_EFFORTS[requested.toLowerCase()];
    if (!mapped) throw badRequest(`output_config.effort: "${requested}" is not one of low, medium, high, xhigh, max.`, "output_config.effort");
    return clampEffort(base, mapped);
  }
  const thinking = request.thinking;
  if (thinking?.type === "enabled" && typeof thinking.budget_tokens === "number") {
    const budget = thinking.budget_tokens;
    return clampEffort(base, (BUDGET_EFFORTS.find(([bound]) => budget <= bound) as [number, string])[1]);
  }
  if (thinking?.type === "disabled") return weakestEffort(base) ?? slotEffort;
  return slotEffort;
};

/** Top-level `system` or a `role: "system"` message → its non-blank texts, billing header dropped. */
const systemTexts = (content: MessagesRequest["system"] | MessagesMessage["content"], where: string, ctx: Context): string[] => {
  if (content === undefined || content === null) return [];
  if (typeof content === "string") {
    const text = content
      .split("\n")
      .filter((line) => !BILLING_HEADER.test(line))
      .join("\n");
    return text.trim() === "" ? [] : [text];
  }
  const texts: string[] = [];
  content.forEach((block, index) => {
    if (block.type !== "text") {
      ctx.warnings.push(`dropped ${where}[${index}]: "${block.type}" blocks cannot go into instructions`);
      return;
    }
    if (BILLING_HEADER.test(block.text)) {
      ctx.warnings.push(`dropped ${where}[${index}]: x-anthropic-billing-header block`);
      return;
    }
    if (block.text.trim() !== "") texts.push(block.text);
  });
  return texts;
};

const addMessage = (message: MessagesMessage, index: number, ctx: Context): void => {
  const where = `messages[${index}]`;
  if (message.role === "system") {
    // Claude Code sends one after the first user message (docs/anthropic.md); the backend rejects system items
    // (spec §4.5). Before any item it joins `instructions`; after, it stays in place as a developer message, so the
    // cached prefix holds when a later turn adds one (developer-message.ts).
    const texts = systemTexts(message.content, `${where}.content`, ctx);
    if (ctx.input.length === 0) ctx.system.push(...texts);
    else if (texts.length > 0) ctx.input.push(developerMessage(...texts));
    return;
  }
  if (message.role === "user") addUserBlocks(message.content, where, ctx);
  else addAssistantBlocks(message.content, where, ctx);
};

/** User text, images and documents gather into one message; each tool_result becomes its own output item, in order. */
const addUserBlocks = (blocks: readonly MessagesBlock[], where: string, ctx: Context): void => {
  let parts: JsonObject[] = [];
  const flush = () => {
    if (parts.length > 0) ctx.input.push({ type: "message", role: "user", content: parts });
    parts = [];
  };
  blocks.forEach((block, index) => {
    const at = `${where}.content[${index}]`;
    switch (block.type) {
      case "text":
        if (block.text !== "") parts.push({ type: "input_text", text: block.text });
        return;
      case "image":
        parts.push(toImagePart(block, at));
        return;
      case "document":
        parts.push(...toDocumentParts(block, at, ctx.warnings));
        return;
      case "search_result":
        parts.push({ type: "input_text", text: searchResultText(block) });
        return;
      case "tool_result":
        flush();
        if (!ctx.toolResults.has(block.tool_use_id)) ctx.toolResults.set(block.tool_use_id, at);
        ctx.input.push({ type: "function_call_output", call_id: block.tool_use_id, output: toToolOutput(block, at, ctx.warnings) });
        return;
      default:
        throw badRequest(`${at}.type: "${block.type}" blocks are only allowed in assistant messages.`, `${at}.type`, "invalid_value");
    }
  });
  flush();
};

/** Assistant text gathers into one message; thinking with our signature → reasoning; tool_use → function_call. */
const addAssistantBlocks = (blocks: readonly MessagesBlock[], where: string, ctx: Context): void => {
  let parts: JsonObject[] = [];
  const flush = () => {
    if (parts.length > 0) ctx.input.push({ type: "message", role: "assistant", content: parts });
    parts = [];
  };
  blocks.forEach((block, index) => {
    const at = `${where}.content[${index}]`;
    switch (block.type) {
      case "text":
        if (block.text !== "") parts.push({ type: "output_text", text: block.text });
        return;
      case "tool_use":
        flush();
        ctx.input.push({ type: "function_call", call_id: block.id, name: block.name, arguments: JSON.stringify(block.input ?? {}) });
        return;
      case "thinking":
      case "redacted_thinking": {
        const blob = fromThinkingSignature(block.type === "thinking" ? block.signature : block.data);
        if (blob === undefined) {
          ctx.warnings.push(`dropped ${at}: ${block.type} whose signature this proxy did not issue`);
          return;
        }
        flush();
        const text = block.type === "thinking" ? block.thinking : "";
        ctx.input.push({ type: "reasoning", summary: text.trim() === "" ? [] : [{ type: "summary_text", text }], encrypted_content: blob });
        return;
      }
      case "server_tool_use":
      case "web_search_tool_result":
        ctx.warnings.push(`dropped ${at}: Anthropic server-tool history has no backend equivalent`);
        return;
      default:
        throw badRequest(`${at}.type: "${block.type}" blocks are only allowed in user messages.`, `${at}.type`, "invalid_value");
    }
  });
  flush();
};

/** Decoded size of base64 text without decoding it. */
const base64Bytes = (data: string): number => {
  const clean = data.replace(/\s+/g, "");
  const padding = clean.endsWith("==") ? 2 : clean.endsWith("=") ? 1 : 0;
  return Math.floor((clean.length * 3) / 4) - padding;
};

type ImageBlock = Extract<MessagesBlock, { type: "image" }>;
type DocumentBlock = Extract<MessagesBlock, { type: "document" }>;

const toImagePart = (block: ImageBlock, at: string): JsonObject => {
  const source = block.source;
  if (source.type === "base64") {
    const size = base64Bytes(source.data);
    if (size > MAX_IMAGE_BYTES) {
      throw badRequest(`${at}.source.data: image exceeds 5 MB maximum: ${size} bytes > ${MAX_IMAGE_BYTES} bytes`, `${at}.source.data`, "image_too_large");
    }
    return { type: "input_image", image_url: `data:${source.media_type};base64,${source.data}`, detail: "auto" };
  }
  if (source.type === "url") return { type: "input_image", image_url: source.url, detail: "auto" };
  throw filesApi(at);
};

const filesApi = (at: string) =>
  badRequest(
    `${at}.source: "file" sources need Anthropic's Files API, which the Codex backend does not have; send the data as base64 or a URL.`,
    `${at}.source`,
    "invalid_value",
  );

/** PDF → input_file; plain-text and content documents → text parts (with their title and context). */
const toDocumentParts = (block: DocumentBlock, at: string, warnings: string[]): JsonObject[] => {
  const source = block.source;
  const heading = [block.title, block.context].filter((part): part is string => typeof part === "string" && part !== "").join("\n");
  const withHeading = (text: string) => (heading === "" ? text : `${heading}\n\n${text}`);
  switch (source.type) {
    case "base64": {
      const file: JsonObject = { type: "input_file", file_data: `data:${source.media_type};base64,${source.data}` };
      file.filename = block.title || (source.media_type === "application/pdf" ? "document.pdf" : "document");
      return [file];
    }
    case "url":
      // [UNCERTAIN] whether the backend fetches file_url (spec §4.6 lists file_data only).
      return [{ type: "input_file", file_url: source.url, ...(block.title ? { filename: block.title } : {}) }];
    case "text":
      return [{ type: "input_text", text: withHeading(source.data) }];
    case "content": {
      if (typeof source.content === "string") return [{ type: "input_text", text: withHeading(source.content) }];
      const texts = source.content.flatMap((part) => (part.type === "text" && typeof part.text === "string" ? [part.text] : []));
      if (texts.length < source.content.length) warnings.push(`dropped non-text parts of ${at}.source.content`);
      return [{ type: "input_text", text: withHeading(texts.join("\n\n")) }];
    }
    case "file":
      throw filesApi(at);
  }
};

const searchResultText = (block: Extract<MessagesBlock, { type: "search_result" }>): string =>
  `${block.title} (${block.source})\n\n${block.content.map((part) => part.text).join("\n\n")}`;

/**
 * A tool_result's content → `output`: a string when it is all text (joined with "\n"), else input_text /
 * input_image / input_file parts so an image a tool returned is not lost. `is_error` prefixes "Error: ".
 */
const toToolOutput = (block: Extract<MessagesBlock, { type: "tool_result" }>, at: string, warnings: string[]): string | JsonObject[] => {
  const prefix = block.is_error === true ? "Error: " : "";
  const content = block.content;
  if (content === undefined || content === null) return prefix;
  if (typeof content === "string") return prefix + content;
  const parts: JsonObject[] = [];
  content.forEach((part: MessagesToolResultPart, index) => {
    const partAt = `${at}.content[${index}]`;
    switch (part.type) {
      case "text":
        parts.push({ type: "input_text", text: part.text });
        return;
      case "image":
        parts.push(toImagePart(part, partAt));
        return;
      case "document":
        parts.push(...toDocumentParts(part, partAt, warnings));
        return;
      case "search_result":
        parts.push({ type: "input_text", text: searchResultText(part) });
        return;
      case "tool_reference":
        // Claude Code's ToolSearch result: the tool is already among the declared tools (defer_loading is not sent).
        parts.push({ type: "input_text", text: `Tool loaded: ${part.tool_name}` });
        return;
    }
  });
  if (parts.every((part) => part.type === "input_text")) return prefix + parts.map((part) => part.text as string).join("\n");
  if (prefix !== "") parts.unshift({ type: "input_text", text: prefix.trim() });
  return parts;
};

/** tools → flat function tools (web_search_* → the backend's web_search); tool_choice → the backend's strings. */
const toToolFields = (request: MessagesRequest, warnings: string[]): Pick<UpstreamDraft, "tools" | "tool_choice" | "parallel_tool_calls"> => {
  let tools: JsonObject[] = [];
  (request.tools ?? []).forEach((tool, index) => {
    const type = tool.type ?? "custom";
    if (type === "custom") {
      // Only the fields the backend knows: defer_loading, cache_control, input_examples… stay behind.
      const parameters = isObject(tool.input_schema) ? tool.input_schema : EMPTY_PARAMETERS;
      tools.push({ type: "function", name: tool.name, description: tool.description ?? "", strict: false, parameters });
    } else if (type.startsWith("web_search")) {
      if (!tools.some((t) => t.type === "web_search")) tools.push({ type: "web_search" });
    } else {
      warnings.push(`dropped tools[${index}]: Anthropic-defined tool "${type}" has no backend equivalent`);
    }
  });
  const choice = request.tool_choice;
  let toolChoice: string = "auto";
  if (choice?.type === "any") toolChoice = "required";
  else if (choice?.type === "none") toolChoice = "none";
  else if (choice?.type === "tool") {
    const named = tools.filter((tool) => tool.name === choice.name);
    if (named.length === 0) throw badRequest(`tool_choice.name: "${choice.name}" is not among the declared tools.`, "tool_choice.name", "invalid_value");
    // One tool left and "required": the backend must call exactly it (spec §4.7 keeps the object form [UNCERTAIN]).
    tools = named;
    toolChoice = "required";
    warnings.push(`tool_choice forcing "${choice.name}" sent as tools=[${choice.name}] with tool_choice "required"`);
  }
  const disableParallel = choice !== null && choice !== undefined && "disable_parallel_tool_use" in choice && choice.disable_parallel_tool_use === true;
  return { tools, tool_choice: toolChoice, parallel_tool_calls: tools.length > 0 && !disableParallel };
};

/** output_config.format (or the older top-level output_format) with a JSON schema → text.format (spec §4.8). */
const toTextFormat = (request: MessagesRequest): JsonObject | undefined => {
  const legacy = (request as JsonObject).output_format;
  const format = request.output_config?.format ?? (isObject(legacy) ? legacy : undefined);
  if (!format || format.type !== "json_schema" || !isObject(format.schema)) return undefined;
  // strict:false: Anthropic schemas need not meet OpenAI's strict-mode rules (all keys required, no extras).
  return { type: "json_schema", name: "output", strict: false, schema: format.schema };
};
