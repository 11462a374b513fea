// Fold of the chat chunk reducer for client `stream: false` (docs/backend.md §8.5, clients.md §5.C.2):
// the same translation as the stream, accumulated into one `chat.completion` object. Pure.
import { isObject, type JsonObject } from "../json.ts";
import { toProxyErrorFromFailure } from "./map-failure.ts";
import { createChatChunkState, finishChatChunks, stepChatChunks, type ChatFrame } from "./upstream-to-chat-chunks.ts";

/** Envelope fields of the `chat.completion`; the same meaning as the chunk reducer's options. */
export interface ChatCompletionOptions {
  /** The `chatcmpl-…` id. */
  id: string;
  /** Unix seconds; replaced by upstream `response.created_at` when present. */
  created: number;
  /** The model the client asked for. */
  model: string;
  /** Add `message.reasoning_content` from reasoning summaries; default false. */
  includeReasoning?: boolean;
}

interface ToolCall {
  id: unknown;
  type: "function";
  function: { name: unknown; arguments: string };
}

interface Accumulated {
  content: string | null;
  refusal: string | null;
  reasoning: string | null;
  toolCalls: ToolCall[];
  finishReason: unknown;
  usage: unknown;
}

const append = (text: string | null, piece: unknown): string | null => (typeof piece === "string" ? (text ?? "") + piece : text);

const foldFrame = (acc: Accumulated, frame: ChatFrame): void => {
  if (frame === "[DONE]" || !Array.isArray(frame.choices)) return;
  if (frame.choices.length === 0) {
    acc.usage = frame.usage;
    return;
  }
  const choice: unknown = frame.choices[0];
  if (!isObject(choice)) return;
  if (choice.finish_reason !== null) acc.finishReason = choice.finish_reason;
  const delta = isObject(choice.delta) ? choice.delta : {};
  acc.content = append(acc.content, delta.content);
  acc.refusal = append(acc.refusal, delta.refusal);
  acc.reasoning = append(acc.reasoning, delta.reasoning_content);
  if (!Array.isArray(delta.tool_calls)) return;
  for (const call of delta.tool_calls as unknown[]) {
    if (!isObject(call) || typeof call.index !== "number") continue;
    const fn = isObject(call.function) ? call.function : {};
    // The first delta of a call carries id and name; later ones only add argument text (clients.md §5.B.3).
    const known = acc.toolCalls[call.index];
    if (known) known.function.arguments += typeof fn.arguments === "string" ? fn.arguments : "";
    else acc.toolCalls[call.index] = { id: call.id, type: "function", function: { name: fn.name, arguments: String(fn.arguments ?? "") } };
  }
};

/**
 * Folds a whole upstream event sequence into a `chat.completion`: text or `null` content, tool calls in
 * output order, finish_reason and mapped usage (omitted when upstream sent none). Throws the §6.7
 * ProxyError for `response.failed`, an `error` event, or a sequence without a terminal event.
 */
export const toChatCompletion = (events: Iterable<Record<string, unknown>>, options: ChatCompletionOptions): JsonObject => {
  const state = createChatChunkState({
    id: options.id,
    created: options.created,
    model: options.model,
    includeUsage: true,
    includeReasoning: options.includeReasoning ?? false,
  });
  const acc: Accumulated = { content: null, refusal: null, reasoning: null, toolCalls: [], finishReason: null, usage: undefined };
  const fold = (frames: ChatFrame[]): void => {
    if (state.failure !== null) throw toProxyErrorFromFailure(state.failure.event);
    for (const frame of frames) foldFrame(acc, frame);
  };
  for (const event of events) {
    fold(stepChatChunks(state, event));
    if (state.terminal !== null) break;
  }
  fold(finishChatChunks(state));

  const message: JsonObject = { role: "assistant", content: acc.content };
  if (acc.toolCalls.length > 0) message.tool_calls = acc.toolCalls;
  if (acc.refusal !== null) message.refusal = acc.refusal;
  if (acc.reasoning !== null) message.reasoning_content = acc.reasoning;
  const completion: JsonObject = {
    id: options.id,
    object: "chat.completion",
    created: state.created,
    model: options.model,
    choices: [{ index: 0, message, finish_reason: acc.finishReason }],
  };
  if (acc.usage !== undefined) completion.usage = acc.usage;
  return completion;
};
