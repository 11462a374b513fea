// Reducer: raw Codex SSE events → `chat.completion.chunk` frames (docs/backend.md §8.3–§8.5, §5.8;
// clients.md §5.B). Pure and per-event cheap: the state is mutated in place, nothing is cloned.
import type { ProxyError } from "../errors.ts";
import { isObject, type JsonObject } from "../json.ts";
import { mapFinishReason } from "./map-finish-reason.ts";
import { toProxyErrorFromFailure } from "./map-failure.ts";
import { toChatUsage } from "./map-usage.ts";

/** One frame for the client: a chunk (or error) object sent as `data: <json>`, or the final `data: [DONE]`. */
export type ChatFrame = Record<string, unknown> | "[DONE]";

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

/** Reducer state for one response; mutated by `stepChatChunks` / `finishChatChunks`. */
export interface ChatChunkState {
  readonly options: ChatChunkOptions;
  created: number;
  hasRole: boolean;
  /**
   * Function calls by their `fc_…` item id, which is what argument deltas carry (§10 pitfall 15), and by
   * output_index, so an item without an id (R20) is still announced only once.
   */
  tools: Map<string | number, ToolSlot>;
  toolCount: number;
  /** Message items (by id, and by output_index for id-less ones) whose text already went out as deltas. */
  streamedIds: Set<string>;
  streamedIndexes: Set<number>;
  /** Whether any output item finished or any delta went out, for the §5.8 terminal-output fallback. */
  hasOutput: boolean;
  reasoningPart: string | null;
  /** The terminal event; `null` until one arrives. Folds read it to throw the right ProxyError. */
  terminal: Record<string, unknown> | null;
  /** Set once the stream ended in an error chunk: the failure event, or `null` for a truncated stream. */
  failure: { event: Record<string, unknown> | null } | null;
}

/** A fresh state for one response. */
export const createChatChunkState = (options: ChatChunkOptions): ChatChunkState => ({
  options,
  created: options.created,
  hasRole: false,
  tools: new Map(),
  toolCount: 0,
  streamedIds: new Set(),
  streamedIndexes: new Set(),
  hasOutput: false,
  reasoningPart: null,
  terminal: null,
  failure: null,
});

const chunk = (state: ChatChunkState, delta: JsonObject, finishReason: string | null = null): JsonObject => ({
  id: state.options.id,
  object: "chat.completion.chunk",
  created: state.created,
  model: state.options.model,
  choices: [{ index: 0, delta, finish_reason: finishReason }],
});

/** A delta chunk; the first one of the stream also carries `role: "assistant"` (clients.md §5.B.2). */
const deltaChunk = (state: ChatChunkState, delta: JsonObject): JsonObject => {
  state.hasOutput = true;
  if (state.hasRole) return chunk(state, delta);
  state.hasRole = true;
  return chunk(state, { role: "assistant", ...delta });
};

/** The chat error frame for a failure after the stream started (§8.3 last row, clients.md §5.B.6). */
export const toChatErrorChunk = (error: ProxyError): JsonObject => ({
  error: { message: error.message, type: "upstream_error", param: null, code: error.code },
});

/**
 * Feeds one raw upstream event (a parsed `data:` object) and returns the frames it produces, often none.
 * Events after the terminal one are ignored.
 */
export const stepChatChunks = (state: ChatChunkState, event: Record<string, unknown>): ChatFrame[] => {
  if (state.terminal !== null || state.failure !== null) return [];
  switch (event.type) {
    case "response.created":
    case "response.in_progress": {
      const response = event.response;
      if (isObject(response) && typeof response.created_at === "number") state.created = response.created_at;
      return [];
    }
    case "response.output_text.delta":
      return textDelta(state, event, "content");
    case "response.refusal.delta":
      return textDelta(state, event, "refusal");
    case "response.reasoning_summary_text.delta":
      return state.options.includeReasoning ? reasoningDelta(state, event) : [];
    case "response.output_item.added":
      return isObject(event.item) && event.item.type === "function_call" ? [startToolCall(state, event.item, event.output_index)] : [];
    case "response.function_call_arguments.delta":
      return argumentsDelta(state, event);
    case "response.function_call_arguments.done":
      return finishArguments(state, slotOf(state, event.item_id, event.output_index), event.arguments);
    case "response.output_item.done":
      state.hasOutput = true;
      return isObject(event.item) ? finishItem(state, event.item, event.output_index) : [];
    case "response.completed":
    case "response.incomplete":
      return finishResponse(state, event);
    case "response.failed":
    case "error":
      return fail(state, event);
    default:
      return []; // content_part, *.done text events, web search, custom tools…: nothing for chat (§8.3)
  }
};

/** Call at upstream EOF: a stream without a terminal event is a failure (§5.9, pitfall 30), else nothing. */
export const finishChatChunks = (state: ChatChunkState): ChatFrame[] => {
  if (state.terminal !== null || state.failure !== null) return [];
  return fail(state, null);
};

const textDelta = (state: ChatChunkState, event: JsonObject, field: "content" | "refusal"): ChatFrame[] => {
  if (typeof event.delta !== "string" || event.delta === "") return [];
  if (typeof event.item_id === "string") state.streamedIds.add(event.item_id);
  if (typeof event.output_index === "number") state.streamedIndexes.add(event.output_index);
  return [deltaChunk(state, { [field]: event.delta })];
};

const reasoningDelta = (state: ChatChunkState, event: JsonObject): ChatFrame[] => {
  if (typeof event.delta !== "string" || event.delta === "") return [];
  // Summary parts are separate paragraphs ("**Title**\n\nBody"); keep them apart when they are concatenated.
  const part = `${String(event.item_id)}#${String(event.summary_index)}`;
  const separator = state.reasoningPart !== null && state.reasoningPart !== part ? "\n\n" : "";
  state.reasoningPart = part;
  return [deltaChunk(state, { reasoning_content: separator + event.delta })];
};

const slotOf = (state: ChatChunkState, itemId: unknown, outputIndex: unknown): ToolSlot | undefined =>
  (typeof itemId === "string" ? state.tools.get(itemId) : undefined) ?? (typeof outputIndex === "number" ? state.tools.get(outputIndex) : undefined);

const startToolCall = (state: ChatChunkState, item: JsonObject, outputIndex: unknown, args = ""): JsonObject => {
  const slot: ToolSlot = { index: state.toolCount++, hasArguments: args !== "" };
  if (typeof item.id === "string") state.tools.set(item.id, slot);
  if (typeof outputIndex === "number") state.tools.set(outputIndex, slot);
  return deltaChunk(state, {
    tool_calls: [{ index: slot.index, id: item.call_id, type: "function", function: { name: item.name, arguments: args } }],
  });
};

const argumentsFrame = (state: ChatChunkState, slot: ToolSlot, args: string): JsonObject => {
  slot.hasArguments = true;
  return deltaChunk(state, { tool_calls: [{ index: slot.index, function: { arguments: args } }] });
};

const argumentsDelta = (state: ChatChunkState, event: JsonObject): ChatFrame[] => {
  // Deltas are keyed by the fc_ item id, never by call_id. One for a call never announced has no id or
  // name to go with it; its output_item.done sends the whole call instead (§8.3).
  const slot = slotOf(state, event.item_id, event.output_index);
  if (!slot || typeof event.delta !== "string" || event.delta === "") return [];
  return [argumentsFrame(state, slot, event.delta)];
};

/** `.done` fallback: the full arguments once, when no delta carried any (§8.3, R19). */
const finishArguments = (state: ChatChunkState, slot: ToolSlot | undefined, args: unknown): ChatFrame[] => {
  if (!slot || slot.hasArguments || typeof args !== "string" || args === "") return [];
  return [argumentsFrame(state, slot, args)];
};

const finishItem = (state: ChatChunkState, item: JsonObject, outputIndex: unknown): ChatFrame[] => {
  if (item.type === "function_call") {
    const slot = slotOf(state, item.id, outputIndex);
    if (slot) return finishArguments(state, slot, item.arguments);
    // Never announced (done-only stream): the whole call in one delta (C12, tolerated by every client).
    return [startToolCall(state, item, outputIndex, typeof item.arguments === "string" ? item.arguments : "")];
  }
  if (item.type !== "message") return [];
  const streamed =
    (typeof item.id === "string" && state.streamedIds.has(item.id)) || (typeof outputIndex === "number" && state.streamedIndexes.has(outputIndex));
  if (streamed || !Array.isArray(item.content)) return [];
  // Done-only message (minimal.sse, pitfall 14): its text goes out in one delta.
  let content = "";
  let refusal = "";
  for (const part of item.content) {
    if (!isObject(part)) continue;
    if (part.type === "output_text" && typeof part.text === "string") content += part.text;
    else if (part.type === "refusal" && typeof part.refusal === "string") refusal += part.refusal;
  }
  const frames: ChatFrame[] = [];
  if (content !== "") frames.push(deltaChunk(state, { content }));
  if (refusal !== "") frames.push(deltaChunk(state, { refusal }));
  return frames;
};

const finishResponse = (state: ChatChunkState, event: JsonObject): ChatFrame[] => {
  const response = isObject(event.response) ? event.response : {};
  const frames: ChatFrame[] = [];
  // §5.8 rule 3: items only in the terminal event's `output` (nothing streamed, no item done) still count.
  if (!state.hasOutput && Array.isArray(response.output)) {
    response.output.forEach((item, index) => {
      if (isObject(item)) frames.push(...finishItem(state, item, index));
    });
  }
  state.terminal = event;
  const finishReason = mapFinishReason(event, state.toolCount > 0);
  // Exactly one chunk carries finish_reason; an empty answer still needs the role somewhere (C06).
  frames.push(chunk(state, state.hasRole ? {} : { role: "assistant" }, finishReason));
  state.hasRole = true;
  const usage = state.options.includeUsage ? toChatUsage(response.usage) : null;
  if (usage !== null) {
    frames.push({
      id: state.options.id,
      object: "chat.completion.chunk",
      created: state.created,
      model: state.options.model,
      choices: [],
      usage,
    });
  }
  frames.push("[DONE]");
  return frames;
};

const fail = (state: ChatChunkState, event: Record<string, unknown> | null): ChatFrame[] => {
  state.failure = { event };
  return [toChatErrorChunk(toProxyErrorFromFailure(event)), "[DONE]"];
};
