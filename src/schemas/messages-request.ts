// Inbound Anthropic `POST /v1/messages` and `/v1/messages/count_tokens` bodies (docs/anthropic.md "Request"):
// lenient loose objects; the block types are a closed set so a wrong one is a 400 naming the field.
import * as z from "zod";
import { lazySchema, once } from "./lazy-schema.ts";

// Every schema of this body, built together on the first request that needs one (lazy-schema.ts).
const build = () => {
  const cacheControl = z.looseObject({ type: z.string() }).nullish();

  const textBlock = z.looseObject({ type: z.literal("text"), text: z.string(), cache_control: cacheControl });

  /** `source` of an image: inline base64, a URL, or a Files API id (which the backend cannot resolve). */
  const imageSource = z.discriminatedUnion("type", [
    z.looseObject({ type: z.literal("base64"), media_type: z.string().min(1), data: z.string() }),
    z.looseObject({ type: z.literal("url"), url: z.string().min(1) }),
    z.looseObject({ type: z.literal("file"), file_id: z.string().min(1) }),
  ]);
  const imageBlock = z.looseObject({ type: z.literal("image"), source: imageSource, cache_control: cacheControl });

  const documentSource = z.discriminatedUnion("type", [
    z.looseObject({ type: z.literal("base64"), media_type: z.string().min(1), data: z.string() }),
    z.looseObject({ type: z.literal("text"), media_type: z.string().optional(), data: z.string() }),
    z.looseObject({ type: z.literal("url"), url: z.string().min(1) }),
    z.looseObject({ type: z.literal("content"), content: z.union([z.string(), z.array(z.looseObject({ type: z.string() }))]) }),
    z.looseObject({ type: z.literal("file"), file_id: z.string().min(1) }),
  ]);
  const documentBlock = z.looseObject({
    type: z.literal("document"),
    source: documentSource,
    title: z.string().nullish(),
    context: z.string().nullish(),
    cache_control: cacheControl,
  });

  const searchResultBlock = z.looseObject({
    type: z.literal("search_result"),
    source: z.string(),
    title: z.string(),
    content: z.array(textBlock),
  });

  /** What a tool_result's `content` array may hold. */
  const toolResultPart = z.discriminatedUnion("type", [
    textBlock,
    imageBlock,
    documentBlock,
    searchResultBlock,
    // Claude Code's ToolSearch answers with tool_reference blocks (advanced-tool-use beta).
    z.looseObject({ type: z.literal("tool_reference"), tool_name: z.string() }),
  ]);

  const toolUseBlock = z.looseObject({
    type: z.literal("tool_use"),
    id: z.string().min(1),
    name: z.string().min(1),
    input: z.unknown(),
    cache_control: cacheControl,
  });
  const toolResultBlock = z.looseObject({
    type: z.literal("tool_result"),
    tool_use_id: z.string().min(1),
    content: z.union([z.string(), z.array(toolResultPart)]).nullish(),
    is_error: z.boolean().nullish(),
    cache_control: cacheControl,
  });
  const thinkingBlock = z.looseObject({ type: z.literal("thinking"), thinking: z.string(), signature: z.string().nullish() });
  const redactedThinkingBlock = z.looseObject({ type: z.literal("redacted_thinking"), data: z.string() });
  /** Anthropic's own server-tool history: the backend ran nothing of it, so the translator drops it. */
  const serverToolUseBlock = z.looseObject({ type: z.literal("server_tool_use"), id: z.string(), name: z.string() });
  const webSearchResultBlock = z.looseObject({ type: z.literal("web_search_tool_result"), tool_use_id: z.string() });

  /** Every block type a message may carry; which role may use which is the translator's business. */
  const contentBlock = z.discriminatedUnion("type", [
    textBlock,
    imageBlock,
    documentBlock,
    searchResultBlock,
    toolUseBlock,
    toolResultBlock,
    thinkingBlock,
    redactedThinkingBlock,
    serverToolUseBlock,
    webSearchResultBlock,
  ]);

  /** A string content is one text block; as an array, a bad block's error names its own path (`messages.0.content.1.type`). */
  const content = z.preprocess((value) => (typeof value === "string" ? [{ type: "text", text: value }] : value), z.array(contentBlock));

  const message = z.looseObject({
    // "system" is not in Anthropic's published schema, but Claude Code ≥ 2.1.154 sends it mid-conversation (docs/anthropic.md).
    role: z.enum(["user", "assistant", "system"]),
    content,
  });

  const tool = z.looseObject({
    type: z.string().nullish(),
    name: z.string().min(1),
    description: z.string().nullish(),
    input_schema: z.record(z.string(), z.unknown()).nullish(),
  });

  const toolChoice = z.discriminatedUnion("type", [
    z.looseObject({ type: z.literal("auto"), disable_parallel_tool_use: z.boolean().nullish() }),
    z.looseObject({ type: z.literal("any"), disable_parallel_tool_use: z.boolean().nullish() }),
    z.looseObject({ type: z.literal("tool"), name: z.string().min(1), disable_parallel_tool_use: z.boolean().nullish() }),
    z.looseObject({ type: z.literal("none") }),
  ]);

  const thinking = z.discriminatedUnion("type", [
    z.looseObject({ type: z.literal("enabled"), budget_tokens: z.number().int().nullish(), display: z.string().nullish() }),
    z.looseObject({ type: z.literal("adaptive"), display: z.string().nullish() }),
    z.looseObject({ type: z.literal("disabled") }),
  ]);

  const outputConfig = z.looseObject({
    effort: z.string().nullish(),
    format: z.looseObject({ type: z.string(), schema: z.record(z.string(), z.unknown()).nullish() }).nullish(),
  });

  const fields = {
    model: z.string().min(1).optional(),
    messages: z.array(message).min(1),
    system: z.union([z.string(), z.array(textBlock)]).nullish(),
    tools: z.array(tool).nullish(),
    tool_choice: toolChoice.nullish(),
    thinking: thinking.nullish(),
    output_config: outputConfig.nullish(),
    metadata: z.looseObject({ user_id: z.string().nullish() }).nullish(),
    stream: z.boolean().nullish(),
    stop_sequences: z.array(z.string()).nullish(),
    temperature: z.number().nullish(),
    top_p: z.number().nullish(),
    top_k: z.number().nullish(),
    service_tier: z.string().nullish(),
  };

  /** `POST /v1/messages`: `max_tokens` is required, as on Anthropic's API. */
  const messagesRequestSchema = z.looseObject({ ...fields, max_tokens: z.number().int().min(1) });

  /** `POST /v1/messages/count_tokens`: the same body without `max_tokens` (and nothing streams). */
  const countTokensRequestSchema = z.looseObject({ ...fields, max_tokens: z.number().int().min(1).optional() });
  return { messagesRequestSchema, countTokensRequestSchema, contentBlock, toolResultPart, tool };
};
const built = once(build);
type Built = ReturnType<typeof build>;

export const messagesRequestSchema = lazySchema(() => built().messagesRequestSchema);
export const countTokensRequestSchema = lazySchema(() => built().countTokensRequestSchema);

export type MessagesRequest = z.infer<Built["countTokensRequestSchema"]>;
export type MessagesMessage = MessagesRequest["messages"][number];
export type MessagesBlock = z.infer<Built["contentBlock"]>;
export type MessagesToolResultPart = z.infer<Built["toolResultPart"]>;
export type MessagesTool = z.infer<Built["tool"]>;
