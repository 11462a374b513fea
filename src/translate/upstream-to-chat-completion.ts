// Fold of the chat chunk reducer for client `stream: false` (docs/backend.md §8.5, clients.md §5.C.2):
// the same translation as the stream, accumulated event by event into one `chat.completion` object. Pure.
import type { UpstreamEvent } from "../schemas/upstream-event.ts";
import type { ChatFinishReason } from "./map-finish-reason.ts";
import { toProxyErrorFromFailure } from "./map-failure.ts";
import type { ChatUsage } from "./map-usage.ts";
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

export interface ChatToolCall {
  id?: string;
  type: "function";
  function: { name?: string; arguments: string };
}

export interface ChatCompletionMessage {
  role: "assistant";
  content: string | null;
  tool_calls?: ChatToolCall[];
  refusal?: string;
  reasoning_content?: string;
}

/** The `chat.completion` object of a non-streaming answer (clients.md §5.C.2). */
export interface ChatCompletion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: [{ index: 0; message: ChatCompletionMessage; finish_reason: ChatFinishReason | null }];
  usage?: ChatUsage;
}

interface Accumulated {
  content: string | null;
  refusal: string | null;
  reasoning: string | null;
  toolCalls: ChatToolCall[];
  finishReason: ChatFinishReason | null;
  usage: ChatUsage | undefined;
}

const append = (text: string | null, piece: string | undefined): string | null => (piece === undefined ? text : (text ?? "") + piece);

const foldFrame = (acc: Accumulated, frame: ChatFrame): void => {
  if (frame === "[DONE]" || "error" in frame) return;
  if (frame.usage !== undefined) acc.usage = frame.usage;
  const choice = frame.choices[0];
  if (choice === undefined) return;
  if (choice.finish_reason !== null) acc.finishReason = choice.finish_reason;
  const { delta } = choice;
  acc.content = append(acc.content, delta.content);
  acc.refusal = append(acc.refusal, delta.refusal);
  acc.reasoning = append(acc.reasoning, delta.reasoning_content);
  for (const call of delta.tool_calls ?? []) {
    // The first delta of a call carries id and name; later ones only add argument text (clients.md §5.B.3).
    const known = acc.toolCalls[call.index];
    if (known) known.function.arguments += call.function.arguments;
    else acc.toolCalls[call.index] = { id: call.id, type: "function", function: { name: call.function.name, arguments: call.function.arguments } };
  }
};

export interface ChatCompletionFold {
  /** Feeds one upstream event. */
  step(event: UpstreamEvent): void;
  /** At upstream EOF: the completion; throws the §6.7 ProxyError for `response.failed`, an `error` event or no terminal event. */
  finish(): ChatCompletion;
}

/** An incremental fold into a `chat.completion`: text or `null` content, tool calls in output order, finish_reason, usage. */
export const createChatCompletionFold = (options: ChatCompletionOptions): ChatCompletionFold => {
  const state = createChatChunkState({
    id: options.id,
    created: options.created,
    model: options.model,
    includeUsage: true,
    includeReasoning: options.includeReasoning ?? false,
  });
  const acc: Accumulated = { content: null, refusal: null, reasoning: null, toolCalls: [], finishReason: null, usage: undefined };
  const fold = (frames: ChatFrame[]): void => {
    for (const frame of frames) foldFrame(acc, frame);
  };
  return {
    step: (event) => fold(stepChatChunks(state, event)),
    finish: () => {
      fold(finishChatChunks(state));
      const { failure } = state;
      if (failure !== null) throw toProxyErrorFromFailure(failure.kind === "event" ? failure.event : null);
      const message: ChatCompletionMessage = { role: "assistant", content: acc.content };
      if (acc.toolCalls.length > 0) message.tool_calls = acc.toolCalls;
      if (acc.refusal !== null) message.refusal = acc.refusal;
      if (acc.reasoning !== null) message.reasoning_content = acc.reasoning;
      const completion: ChatCompletion = {
        id: options.id,
        object: "chat.completion",
        created: state.created,
        model: options.model,
        choices: [{ index: 0, message, finish_reason: acc.finishReason }],
      };
      if (acc.usage !== undefined) completion.usage = acc.usage;
      return completion;
    },
  };
};

/**
 * Folds a whole upstream event sequence into a `chat.completion` (events after the terminal one are ignored).
 * Throws the §6.7 ProxyError for `response.failed`, an `error` event, or a sequence without a terminal event.
 */
export const toChatCompletion = (events: Iterable<UpstreamEvent>, options: ChatCompletionOptions): ChatCompletion => {
  const fold = createChatCompletionFold(options);
  for (const event of events) fold.step(event);
  return fold.finish();
};
