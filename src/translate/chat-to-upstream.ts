// `/v1/chat/completions` request → Codex upstream draft (docs/backend.md §4.6–§4.8, §8.1; clients.md §2).
// Pure: instructions caching, defaults and session keys belong to the caller (§9).
import { badRequest } from "../errors.ts";
import type { ChatContentPart, ChatMessage, ChatRequest } from "../schemas/chat-request.ts";
import type { JsonObject } from "../json.ts";
import { developerMessage } from "./developer-message.ts";
import { normalizeTools } from "./normalize-tools.ts";
import type { Translation, UpstreamDraft } from "./types.ts";

/** Top-level keys this translator reads; every other key present in the request is dropped with a warning. */
const HANDLED_KEYS = new Set([
  "model",
  "messages",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "response_format",
  "reasoning_effort",
  "reasoning",
  "verbosity",
  "stream", // remembered by the caller; upstream always streams (§4.2)
  "prompt_cache_key",
  "service_tier",
]);

/** Why a dropped key is dropped, for the debug log; keys not listed get a generic note. */
const DROP_REASONS: Readonly<Record<string, string>> = {
  max_tokens: "no token cap can be sent (§4.4)",
  max_completion_tokens: "no token cap can be sent (§4.4)",
  temperature: "sampling is fixed (§4.4)",
  top_p: "sampling is fixed (§4.4)",
  frequency_penalty: "sampling is fixed (§4.4)",
  presence_penalty: "sampling is fixed (§4.4)",
  seed: "sampling is fixed (§4.4)",
  logprobs: "not supported upstream (§4.4)",
  top_logprobs: "not supported upstream (§4.4)",
  stop: "not supported upstream (§4.4)",
  logit_bias: "not supported upstream (§4.4)",
  stream_options: "controls the usage chunk only (§8.1)",
  user: "used as the session key, never forwarded (§9.1)",
  n: "the backend always returns one choice (§8.1)",
  store: "upstream store is always false (§4.2)",
  metadata: "the backend rejects it (§4.4)",
};

/** Service tiers the backend accepts (§4.3); others are dropped. */
const SERVICE_TIERS = new Set(["priority", "flex"]);

/**
 * Translates a validated chat request into the upstream draft, the merged system/developer text for
 * `instructions` ("" when none) and warnings for everything dropped. Throws a 400 for `n` > 1 and for a
 * `tool_choice` that names no declared tool.
 */
export const toUpstreamFromChat = (request: ChatRequest, defaults: { model: string }): Translation => {
  const warnings: string[] = [];
  if (typeof request.n === "number" && request.n > 1) {
    throw badRequest("n > 1 is not supported: the backend returns a single choice. Send n=1 or leave it out.", "n");
  }
  for (const key of Object.keys(request)) {
    if (HANDLED_KEYS.has(key) || (request as Record<string, unknown>)[key] === undefined) continue;
    warnings.push(`dropped "${key}": ${DROP_REASONS[key] ?? "not forwarded to the backend (§4.3 allow-list)"}`);
  }

  const systemTexts: string[] = [];
  const input: JsonObject[] = [];
  request.messages.forEach((message, index) => toInputItems(message, index, input, systemTexts, warnings));

  const draft: UpstreamDraft = { model: request.model || defaults.model, input, ...toToolFields(request, warnings) };

  const effort = request.reasoning_effort ?? request.reasoning?.effort;
  if (effort) {
    const summary = request.reasoning?.summary;
    draft.reasoning = summary ? { effort, summary } : { effort };
    draft.include = ["reasoning.encrypted_content"]; // needed to replay reasoning statelessly (§4.8)
  }

  const text = toTextField(request, draft.model, warnings);
  if (text) draft.text = text;
  if (request.service_tier) {
    if (SERVICE_TIERS.has(request.service_tier)) draft.service_tier = request.service_tier;
    else warnings.push(`dropped "service_tier": "${request.service_tier}" is not accepted upstream (§4.3)`);
  }
  if (request.prompt_cache_key) draft.prompt_cache_key = request.prompt_cache_key;

  return { draft, instructions: systemTexts.join("\n\n"), warnings };
};

/** Appends the upstream items for one chat message (§8.1 rows), or its text to `systemTexts`. */
const toInputItems = (message: ChatMessage, index: number, input: JsonObject[], systemTexts: string[], warnings: string[]): void => {
  const where = `messages[${index}]`;
  switch (message.role) {
    case "system":
    case "developer": {
      // The backend rejects system items (§4.5). Leading ones go to `instructions` (§9.2), blank ones skipped; one
      // after the conversation began stays in place as a developer message, so the prefix cached so far holds.
      const text = joinText(message.content, "\n\n", where, warnings);
      if (text.trim() === "") return;
      if (input.length === 0) systemTexts.push(text);
      else input.push(developerMessage(text));
      return;
    }
    case "user": {
      const content = toUserContent(message.content, where, warnings);
      if (content.length > 0) input.push({ type: "message", role: "user", content });
      else warnings.push(`dropped ${where}: user message without usable content`);
      return;
    }
    case "assistant": {
      // `content: null` / "" next to tool_calls gives no text item (clients.md §2); parts must be output_text or refusal (backend.md §4.6).
      const content = toAssistantContent(message.content, where, warnings);
      if (content.length > 0) input.push({ type: "message", role: "assistant", content });
      (message.tool_calls ?? []).forEach((call, callIndex) => {
        input.push({
          type: "function_call",
          // A call without an id still needs one for pairing; derive it from its position so retries match.
          call_id: call.id || `call_${index}_${callIndex}`,
          name: call.function.name,
          arguments: call.function.arguments ?? "",
        });
      });
      return;
    }
    case "tool": {
      // Chat `role:"tool"` is rejected upstream (§4.6); it becomes the output of the call it names.
      input.push({ type: "function_call_output", call_id: message.tool_call_id, output: joinText(message.content, "\n", where, warnings) });
      return;
    }
  }
};

/**
 * Text of a string or text-part content, parts joined with `separator` ("\n\n" for system text, as the
 * /v1/responses path does, so one prompt gives one cached instructions string); other parts are dropped.
 */
const joinText = (content: ChatMessage["content"], separator: string, where: string, warnings: string[]): string => {
  if (typeof content === "string") return content;
  if (!content) return "";
  const texts: string[] = [];
  content.forEach((part, partIndex) => {
    if (part.type === "text") texts.push(part.text);
    else warnings.push(`dropped ${where}.content[${partIndex}]: "${part.type}" parts are not supported for this role`);
  });
  return texts.join(separator);
};

const toUserContent = (content: ChatMessage["content"], where: string, warnings: string[]): JsonObject[] => {
  if (typeof content === "string") return [{ type: "input_text", text: content }];
  if (!content) return [];
  const parts: JsonObject[] = [];
  content.forEach((part, partIndex) => {
    const converted = toUserPart(part);
    if (converted) parts.push(converted);
    else warnings.push(`dropped ${where}.content[${partIndex}]: "${part.type}" part has no upstream equivalent`);
  });
  return parts;
};

/** One user part (§8.1): text → input_text, image_url (URL or data URL) → input_image, file data → input_file. */
const toUserPart = (part: ChatContentPart): JsonObject | null => {
  switch (part.type) {
    case "text":
      return { type: "input_text", text: part.text };
    case "image_url": {
      const image = typeof part.image_url === "string" ? { url: part.image_url, detail: null } : part.image_url;
      return { type: "input_image", image_url: image.url, detail: image.detail ?? "auto" };
    }
    case "file": {
      // Only inline data can reach the backend: it has no Files API, so a bare file_id is dropped ([UNCERTAIN] §4.6).
      if (!part.file.file_data) return null;
      const file: JsonObject = { type: "input_file", file_data: part.file.file_data };
      if (part.file.filename) file.filename = part.file.filename;
      return file;
    }
    default:
      return null;
  }
};

const toAssistantContent = (content: ChatMessage["content"], where: string, warnings: string[]): JsonObject[] => {
  if (typeof content === "string") return content === "" ? [] : [{ type: "output_text", text: content }];
  if (!content) return [];
  const parts: JsonObject[] = [];
  content.forEach((part, partIndex) => {
    if (part.type === "text") {
      if (part.text !== "") parts.push({ type: "output_text", text: part.text });
    } else if (part.type === "refusal") {
      if (part.refusal !== "") parts.push({ type: "refusal", refusal: part.refusal });
    } else {
      warnings.push(`dropped ${where}.content[${partIndex}]: "${part.type}" parts are not allowed in assistant history`);
    }
  });
  return parts;
};

/**
 * `tools`, `tool_choice`, `parallel_tool_calls` via the shared normalizer (§4.7, §8.1). A forced function
 * that is not declared would leave no tools at all, so that is a 400 here rather than a silent "auto".
 */
const toToolFields = (request: ChatRequest, warnings: string[]): Pick<UpstreamDraft, "tools" | "tool_choice" | "parallel_tool_calls"> => {
  const tools = (request.tools ?? []) as JsonObject[];
  const choice = request.tool_choice;
  const forced = typeof choice === "object" && choice?.type === "function" ? choice.function?.name : undefined;
  if (forced !== undefined && !(request.tools ?? []).some((tool) => tool.function.name === forced)) {
    throw badRequest(`tool_choice names the function "${forced}", which is not among the declared tools.`, "tool_choice");
  }
  const normalized = normalizeTools(tools, choice, request.parallel_tool_calls);
  warnings.push(...normalized.warnings);
  if (normalized.tools.length === 0 && request.parallel_tool_calls === true) {
    warnings.push("sent parallel_tool_calls=false: never true without tools (§4.3)");
  }
  return { tools: normalized.tools, tool_choice: normalized.tool_choice, parallel_tool_calls: normalized.parallel_tool_calls };
};

/** `response_format` → `text.format`, `verbosity` → `text.verbosity` (§4.8, §8.1); undefined when neither is set. */
const toTextField = (request: ChatRequest, model: string, warnings: string[]): JsonObject | undefined => {
  const text: JsonObject = {};
  const format = request.response_format;
  if (format?.type === "json_schema") {
    const spec = format.json_schema;
    const converted: JsonObject = { type: "json_schema", name: spec.name };
    if (spec.description) converted.description = spec.description;
    converted.strict = spec.strict ?? false;
    if (spec.schema) converted.schema = spec.schema;
    text.format = converted;
  } else if (format) {
    text.format = { type: format.type };
  }
  if (request.verbosity) {
    // `*-codex*` models accept only "medium" and 400 on anything else (§4.8, pitfall 18).
    if (request.verbosity !== "medium" && model.includes("codex")) {
      warnings.push(`dropped "verbosity": "${request.verbosity}" is not supported by ${model} (§4.8)`);
    } else {
      text.verbosity = request.verbosity;
    }
  }
  return Object.keys(text).length > 0 ? text : undefined;
};
