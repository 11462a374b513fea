// Reducer: typed Codex SSE events → `chat.completion.chunk` frames (docs/backend.md §8.3–§8.5, §5.8;
// clients.md §5.B). Pure and per-event cheap: the state is mutated in place, nothing is cloned.
import type { ProxyError } from "../errors.ts";
import { exhaustive } from "../exhaustive.ts";
import { isObject, type JsonObject } from "../json.ts";
import { type FunctionCallItem, toItem, toContentPart } from "../schemas/items.ts";
import type { DeltaEvent, ReasoningSummaryDeltaEvent, ResponseTerminalEvent, TerminalEvent, UpstreamEvent } from "../schemas/upstream-event.ts";
import { mapFinishReason, type ChatFinishReason } from "./map-finish-reason.ts";
import { toProxyErrorFromFailure } from "./map-failure.ts";
import { toChatUsage, type ChatUsage } from "./map-usage.ts";

/** One entry of `delta.tool_calls`: the first one of a call carries id and name, later ones argument text. */
export interface ChatToolCallDelta {
  index: number;
  id?: string;
  type?: "function";
  function: { name?: string; arguments: string };
}

/** `choices[0].delta` of a chunk. */
export interface ChatDelta {
  role?: "assistant";
  content?: string;
  refusal?: string;
  reasoning_content?: string;
  tool_calls?: ChatToolCallDelta[];
}

/** A `chat.completion.chunk` (clients.md §5.B): one choice with a delta, or no choice and the usage (docs/backend.md §8.5). */
export interface ChatCompletionChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: { index: 0; delta: ChatDelta; finish_reason: ChatFinishReason | null }[];
  usage?: ChatUsage;
}

/** The frame that ends a failed stream in place of a finish chunk (§8.3 last row, clients.md §5.B.6). */
export interface ChatErrorFrame {
  error: { message: string; type: "upstream_error"; param: null; code: string | null };
}

/** One frame for the client: a chunk or an error object sent as `data: <json>`, or the final `data: [DONE]`. */
export type ChatFrame = ChatCompletionChunk | ChatErrorFrame | "[DONE]";

export interface ChatChunkOptions {
  /** The `chatcmpl-…` id shared by every chunk of the stream. */
  id: string;
  /** Unix seconds; replaced by upstream `response.created_at` when the backend sends one. */
  created: number;
  /** The model the client asked for (§5.6: never the upstream echo). */
  model: string;
  /** `stream_options.include_usage`: add the usage chunk after the finish chunk (§8.5). */
  includeUsage: boolean;
  /** Forward reasoning summaries as `delta.reasoning_content` (off by default, as in godex; §8.3). */
  includeReasoning: boolean;
}

interface ToolSlot {
  /** The chat `tool_calls[].index`: calls counted from 0 in order of appearance. */
  index: number;
  /** Whether any arguments text reached the client, so the `.done` fallback sends it only once. */
  hasArguments: boolean;
}

/** How a stream ended without a normal terminal event: a failure event, or EOF before any terminal (truncated). */
export type ChatFailure = { kind: "event"; event: TerminalEvent } | { kind: "truncated" };

/** Reducer state for one response; mutated by `stepChatChunks` / `finishChatChunks`. */
export interface ChatChunkState {
  readonly options: ChatChunkOptions;
  created: number;
  hasRole: boolean;
  /** Function calls by their `fc_…` item id, which is what argument deltas carry (§10 pitfall 15). */
  toolsById: Map<string, ToolSlot>;
  /** The same calls by output_index, so an item without an id (R20) is still announced only once. */
  toolsByIndex: Map<number, ToolSlot>;
  toolCount: number;
  /** Message items (by id, and by output_index for id-less ones) whose text already went out as deltas. */
  streamedIds: Set<string>;
  streamedIndexes: Set<number>;
  /** Whether any output item finished or any delta went out, for the §5.8 terminal-output fallback. */
  hasOutput: boolean;
  reasoningPart: string | null;
  /** The completed or incomplete terminal event; `null` until one arrives. */
  terminal: TerminalEvent | null;
  /** Set once the stream ended in an error chunk. Folds read it to throw the right ProxyError. */
  failure: ChatFailure | null;
}

/** A fresh state for one response. */
export const createChatChunkState = (options: ChatChunkOptions): ChatChunkState => ({
  options,
  created: options.created,
  hasRole: false,
  toolsById: new Map(),
  toolsByIndex: new Map(),
  toolCount: 0,
  streamedIds: new Set(),
  streamedIndexes: new Set(),
  hasOutput: false,
  reasoningPart: null,
  terminal: null,
  failure: null,
});

/** The one chunk envelope: a delta choice, or (with `usage`) the choice-less usage chunk (§8.5). */
const toChunk = (state: ChatChunkState, delta: ChatDelta | null, finishReason: ChatFinishReason | null = null, usage?: ChatUsage): ChatCompletionChunk => {
  const chunk: ChatCompletionChunk = {
    id: state.options.id,
    object: "chat.completion.chunk",
    created: state.created,
    model: state.options.model,
    choices: delta === null ? [] : [{ index: 0, delta, finish_reason: finishReason }],
  };
  if (usage !== undefined) chunk.usage = usage;
  return chunk;
};

/** A delta chunk; the first one of the stream also carries `role: "assistant"` (clients.md §5.B.2). */
const deltaChunk = (state: ChatChunkState, delta: ChatDelta): ChatCompletionChunk => {
  state.hasOutput = true;
  if (state.hasRole) return toChunk(state, delta);
  state.hasRole = true;
  return toChunk(state, { role: "assistant", ...delta });
};

/** The chat error frame for a failure after the stream started (§8.3 last row, clients.md §5.B.6). */
export const toChatErrorChunk = (error: ProxyError): ChatErrorFrame => ({
  error: { message: error.message, type: "upstream_error", param: null, code: error.code },
});

/**
 * Feeds one upstream event and returns the frames it produces, often none.
 * Events after the terminal one are ignored.
 */
export const stepChatChunks = (state: ChatChunkState, event: UpstreamEvent): ChatFrame[] => {
  if (state.terminal !== null || state.failure !== null) return [];
  switch (event.type) {
    case "response.created":
    case "response.in_progress":
      if (typeof event.response.created_at === "number") state.created = event.response.created_at;
      return [];
    case "response.output_text.delta":
      return textDelta(state, event, "content");
    case "response.refusal.delta":
      return textDelta(state, event, "refusal");
    case "response.reasoning_summary_text.delta":
      return state.options.includeReasoning ? reasoningDelta(state, event) : [];
    case "response.output_item.added": {
      const item = toItem(event.item);
      return item.type === "function_call" ? [startToolCall(state, item, event.output_index)] : [];
    }
    case "response.function_call_arguments.delta": {
      // Deltas are keyed by the fc_ item id, never by call_id. One for a call never announced has no id or
      // name to go with it; its output_item.done sends the whole call instead (§8.3).
      const slot = slotOf(state, event.item_id, event.output_index);
      return slot && event.delta !== "" ? [argumentsFrame(state, slot, event.delta)] : [];
    }
    case "response.function_call_arguments.done":
      return finishArguments(state, slotOf(state, event.item_id, event.output_index), event.arguments);
    case "response.output_item.done":
      state.hasOutput = true;
      return finishItem(state, event.item, event.output_index);
    case "response.completed":
    case "response.incomplete":
      return finishResponse(state, event);
    case "response.failed":
    case "error":
      return fail(state, { kind: "event", event });
    case "response.content_part.added":
    case "unknown":
      return []; // content_part, *.done text events, web search, custom tools…: nothing for chat (§8.3)
    default:
      return exhaustive(event);
  }
};

/** Call at upstream EOF: a stream without a terminal event is a failure (§5.9, pitfall 30), else nothing. */
export const finishChatChunks = (state: ChatChunkState): ChatFrame[] => {
  if (state.terminal !== null || state.failure !== null) return [];
  return fail(state, { kind: "truncated" });
};

const textDelta = (state: ChatChunkState, event: DeltaEvent, field: "content" | "refusal"): ChatFrame[] => {
  if (event.delta === "") return [];
  if (event.item_id !== undefined) state.streamedIds.add(event.item_id);
  if (event.output_index !== undefined) state.streamedIndexes.add(event.output_index);
  return [deltaChunk(state, { [field]: event.delta })];
};

const reasoningDelta = (state: ChatChunkState, event: ReasoningSummaryDeltaEvent): ChatFrame[] => {
  if (event.delta === "") return [];
  // Summary parts are separate paragraphs ("**Title**\n\nBody"); keep them apart when they are concatenated.
  const part = `${String(event.item_id)}#${String(event.summary_index)}`;
  const separator = state.reasoningPart !== null && state.reasoningPart !== part ? "\n\n" : "";
  state.reasoningPart = part;
  return [deltaChunk(state, { reasoning_content: separator + event.delta })];
};

const slotOf = (state: ChatChunkState, itemId: unknown, outputIndex: unknown): ToolSlot | undefined =>
  (typeof itemId === "string" ? state.toolsById.get(itemId) : undefined) ?? (typeof outputIndex === "number" ? state.toolsByIndex.get(outputIndex) : undefined);

const startToolCall = (state: ChatChunkState, item: FunctionCallItem, outputIndex: number | undefined, args = ""): ChatCompletionChunk => {
  const slot: ToolSlot = { index: state.toolCount++, hasArguments: args !== "" };
  if (item.id !== undefined) state.toolsById.set(item.id, slot);
  if (outputIndex !== undefined) state.toolsByIndex.set(outputIndex, slot);
  return deltaChunk(state, {
    tool_calls: [{ index: slot.index, id: item.call_id, type: "function", function: { name: item.name, arguments: args } }],
  });
};

const argumentsFrame = (state: ChatChunkState, slot: ToolSlot, args: string): ChatCompletionChunk => {
  slot.hasArguments = true;
  return deltaChunk(state, { tool_calls: [{ index: slot.index, function: { arguments: args } }] });
};

/** `.done` fallback: the full arguments once, when no delta carried any (§8.3, R19). */
const finishArguments = (state: ChatChunkState, slot: ToolSlot | undefined, args: unknown): ChatFrame[] => {
  if (!slot || slot.hasArguments || typeof args !== "string" || args === "") return [];
  return [argumentsFrame(state, slot, args)];
};

const finishItem = (state: ChatChunkState, wire: JsonObject, outputIndex: number | undefined): ChatFrame[] => {
  const item = toItem(wire);
  if (item.type === "function_call") {
    const slot = slotOf(state, item.id, outputIndex);
    if (slot) return finishArguments(state, slot, item.arguments);
    // Never announced (done-only stream): the whole call in one delta (C12, tolerated by every client).
    return [startToolCall(state, item, outputIndex, item.arguments ?? "")];
  }
  if (item.type !== "message") return [];
  const streamed = (item.id !== undefined && state.streamedIds.has(item.id)) || (outputIndex !== undefined && state.streamedIndexes.has(outputIndex));
  if (streamed || !Array.isArray(item.content)) return [];
  // Done-only message (minimal.sse, pitfall 14): its text goes out in one delta.
  let content = "";
  let refusal = "";
  for (const raw of item.content) {
    const part = toContentPart(raw);
    if (part.type === "output_text") content += part.text;
    else if (part.type === "refusal") refusal += part.refusal;
  }
  const frames: ChatFrame[] = [];
  if (content !== "") frames.push(deltaChunk(state, { content }));
  if (refusal !== "") frames.push(deltaChunk(state, { refusal }));
  return frames;
};

const finishResponse = (state: ChatChunkState, event: ResponseTerminalEvent): ChatFrame[] => {
  const response = event.response ?? {};
  const frames: ChatFrame[] = [];
  // §5.8 rule 3: items only in the terminal event's `output` (nothing streamed, no item done) still count.
  if (!state.hasOutput && Array.isArray(response.output)) {
    response.output.forEach((item: unknown, index: number) => {
      if (isObject(item)) frames.push(...finishItem(state, item, index));
    });
  }
  state.terminal = event;
  const finishReason = mapFinishReason(event, state.toolCount > 0);
  // Exactly one chunk carries finish_reason; an empty answer still needs the role somewhere (C06).
  frames.push(toChunk(state, state.hasRole ? {} : { role: "assistant" }, finishReason));
  state.hasRole = true;
  const usage = state.options.includeUsage ? toChatUsage(response.usage) : null;
  if (usage !== null) frames.push(toChunk(state, null, null, usage));
  frames.push("[DONE]");
  return frames;
};

const fail = (state: ChatChunkState, failure: ChatFailure): ChatFrame[] => {
  state.failure = failure;
  return [toChatErrorChunk(toProxyErrorFromFailure(failure.kind === "event" ? failure.event : null)), "[DONE]"];
};
