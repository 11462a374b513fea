// Reducer: typed Codex SSE events → Anthropic Messages stream events (issue 17 item 4; docs/anthropic.md "Stream";
// spec §5.3–§5.8). One reducer serves both modes: the stream encodes its events, stream:false folds them.
import { exhaustive } from "../exhaustive.ts";
import { isObject, type JsonObject, parseJson } from "../json.ts";
import { type FunctionCallItem, type MessageItem, type ReasoningItem, toItem, toContentPart } from "../schemas/items.ts";
import type { ResponseTerminalEvent, TerminalEvent, UpstreamEvent } from "../schemas/upstream-event.ts";
import { toProxyErrorFromFailure } from "./map-failure.ts";
import { type AnthropicError, toAnthropicError } from "./messages-errors.ts";
import { toThinkingSignature } from "./messages-signature.ts";
import type { ThinkingOutput } from "./messages-to-upstream.ts";

/** A content block as `content_block_start` opens it (docs/anthropic.md "Stream"). */
export type ContentBlock =
  | { type: "text"; text: string }
  | { type: "thinking"; thinking: string; signature: string }
  | { type: "tool_use"; id: string; name: unknown; input: JsonObject };

/** The body of a `content_block_delta`. */
export type BlockDelta =
  | { type: "text_delta"; text: string }
  | { type: "thinking_delta"; thinking: string }
  | { type: "signature_delta"; signature: string }
  | { type: "input_json_delta"; partial_json: string };

/** The Message object as `message_start` announces it and stream: false returns it. */
export interface MessagesMessage {
  id: string;
  type: "message";
  role: "assistant";
  model: string;
  content: ContentBlock[];
  stop_reason: StopReason | null;
  stop_sequence: null;
  usage: MessagesUsage;
}

/** One Anthropic stream event; its `type` is also the SSE `event:` name. */
export type MessagesEvent =
  | { type: "message_start"; message: MessagesMessage }
  | { type: "ping" }
  | { type: "content_block_start"; index: number; content_block: ContentBlock }
  | { type: "content_block_delta"; index: number; delta: BlockDelta }
  | { type: "content_block_stop"; index: number }
  | { type: "message_delta"; delta: { stop_reason: StopReason; stop_sequence: null }; usage: MessagesUsage }
  | { type: "message_stop" }
  | AnthropicError["body"];

export interface MessagesStreamOptions {
  /** The `msg_…` id of the message. */
  id: string;
  /** The model the client asked for (issue 17 item 5). */
  model: string;
  thinking: ThinkingOutput;
}

export type StopReason = "end_turn" | "tool_use" | "max_tokens" | "refusal";

/** Anthropic usage: input_tokens excludes cached tokens, which are reported as cache reads. */
export interface MessagesUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  output_tokens: number;
}

type BlockKind = "text" | "thinking" | "tool_use";

interface OpenBlock {
  kind: BlockKind;
  index: number;
  /** The upstream item it belongs to: its id, else its output_index. */
  key: string | number | undefined;
  /** Whether any delta went out (text, thinking or arguments), for the `.done` fallbacks. */
  hasDelta: boolean;
  summaryIndex?: unknown;
}

export interface MessagesStreamState {
  readonly options: MessagesStreamOptions;
  started: boolean;
  nextIndex: number;
  open: OpenBlock | null;
  /** Upstream items (id or output_index) whose block already closed, so a late `.done` adds nothing. */
  closed: Set<string | number>;
  hasToolUse: boolean;
  hasRefusal: boolean;
  /** Whether any block went out, for the spec §5.8 terminal-output fallback. */
  hasOutput: boolean;
  /** The completed or incomplete terminal event, once seen. */
  terminal: ResponseTerminalEvent | null;
  /** Set when the stream ended in an error event: the upstream failure, or null for a truncated stream. */
  failure: { event: TerminalEvent | null } | null;
}

export const createMessagesStreamState = (options: MessagesStreamOptions): MessagesStreamState => ({
  options,
  started: false,
  nextIndex: 0,
  open: null,
  closed: new Set(),
  hasToolUse: false,
  hasRefusal: false,
  hasOutput: false,
  terminal: null,
  failure: null,
});

const count = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) ? value : 0);

/** Codex usage (spec §5.7) → Anthropic usage: cached tokens move from input_tokens to cache_read_input_tokens. */
export const toMessagesUsage = (usage: unknown): MessagesUsage => {
  if (!isObject(usage)) return { input_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 };
  const details = isObject(usage.input_tokens_details) ? usage.input_tokens_details : {};
  const cached = count(details.cached_tokens);
  const written = count(details.cache_write_tokens);
  return {
    input_tokens: Math.max(0, count(usage.input_tokens) - cached - written),
    cache_creation_input_tokens: written,
    cache_read_input_tokens: cached,
    output_tokens: count(usage.output_tokens),
  };
};

/** Where an event sits: its output_index and item id, when it has them. */
interface EventPlace {
  output_index?: number;
  item_id?: string;
}

/** Which upstream item an event belongs to: its output_index (on deltas and items alike), else its item id. */
const keyOf = (item: { id?: unknown } | undefined, event: EventPlace): string | number | undefined => {
  if (event.output_index !== undefined) return event.output_index;
  const id = item?.id ?? event.item_id;
  return typeof id === "string" && id !== "" ? id : undefined;
};

const start = (state: MessagesStreamState, out: MessagesEvent[]): void => {
  if (state.started) return;
  state.started = true;
  out.push({
    type: "message_start",
    message: {
      id: state.options.id,
      type: "message",
      role: "assistant",
      model: state.options.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: toMessagesUsage(undefined),
    },
  });
  out.push({ type: "ping" });
};

const closeOpen = (state: MessagesStreamState, out: MessagesEvent[]): void => {
  const open = state.open;
  if (!open) return;
  out.push({ type: "content_block_stop", index: open.index });
  if (open.key !== undefined) state.closed.add(open.key);
  state.open = null;
};

const openBlock = (state: MessagesStreamState, out: MessagesEvent[], kind: BlockKind, key: OpenBlock["key"], block: ContentBlock): OpenBlock => {
  closeOpen(state, out);
  const open: OpenBlock = { kind, index: state.nextIndex++, key, hasDelta: false };
  state.open = open;
  state.hasOutput = true;
  out.push({ type: "content_block_start", index: open.index, content_block: block });
  return open;
};

/** The open block for this upstream item and kind, opening one (and closing any other) when needed. */
const blockFor = (state: MessagesStreamState, out: MessagesEvent[], kind: "text" | "thinking", key: OpenBlock["key"]): OpenBlock => {
  const open = state.open;
  if (open && open.kind === kind && open.key === key) return open;
  return openBlock(state, out, kind, key, kind === "text" ? { type: "text", text: "" } : { type: "thinking", thinking: "", signature: "" });
};

const delta = (out: MessagesEvent[], block: OpenBlock, body: BlockDelta): void => {
  block.hasDelta = true;
  out.push({ type: "content_block_delta", index: block.index, delta: body });
};

/** Feeds one upstream event; returns the Anthropic events it produces (often none). Events after the end are ignored. */
export const stepMessagesEvents = (state: MessagesStreamState, event: UpstreamEvent): MessagesEvent[] => {
  if (state.terminal !== null || state.failure !== null) return [];
  const out: MessagesEvent[] = [];
  if (event.type !== "response.failed" && event.type !== "error") start(state, out);
  switch (event.type) {
    case "response.output_text.delta":
    case "response.refusal.delta": {
      if (event.delta === "") break;
      if (event.type === "response.refusal.delta") state.hasRefusal = true;
      delta(out, blockFor(state, out, "text", keyOf(undefined, event)), { type: "text_delta", text: event.delta });
      break;
    }
    case "response.reasoning_summary_text.delta": {
      if (state.options.thinking !== "summarized" || event.delta === "") break;
      const block = blockFor(state, out, "thinking", keyOf(undefined, event));
      // Summary parts are paragraphs ("**Title**\n\nBody"); keep them apart (as the chat reducer does).
      const separator = block.hasDelta && block.summaryIndex !== event.summary_index ? "\n\n" : "";
      block.summaryIndex = event.summary_index;
      delta(out, block, { type: "thinking_delta", thinking: separator + event.delta });
      break;
    }
    case "response.output_item.added": {
      const item = toItem(event.item);
      if (item.type === "function_call") startToolUse(state, out, item, event, "");
      break;
    }
    case "response.function_call_arguments.delta": {
      const open = state.open;
      if (!open || open.kind !== "tool_use" || event.delta === "") break;
      // Deltas carry the fc_ item id (spec §10 pitfall 15); one for a call never announced waits for its .done.
      const key = keyOf(undefined, event);
      if (key !== undefined && open.key !== key) break;
      delta(out, open, { type: "input_json_delta", partial_json: event.delta });
      break;
    }
    case "response.output_item.done":
      finishItem(state, out, event.item, event);
      break;
    case "response.completed":
    case "response.incomplete":
      finishResponse(state, out, event);
      break;
    case "response.failed":
    case "error":
      fail(state, out, event);
      break;
    case "response.created":
    case "response.in_progress":
    case "response.content_part.added":
    case "response.function_call_arguments.done":
    case "unknown":
      break; // content parts, *.done text events, web search, rate limits…: nothing for Anthropic clients
    default:
      return exhaustive(event);
  }
  return out;
};

/** At upstream EOF: a stream without a terminal event ends in an error event (spec §5.9), else nothing. */
export const finishMessagesEvents = (state: MessagesStreamState): MessagesEvent[] => {
  if (state.terminal !== null || state.failure !== null) return [];
  const out: MessagesEvent[] = [];
  fail(state, out, null);
  return out;
};

const startToolUse = (state: MessagesStreamState, out: MessagesEvent[], item: FunctionCallItem, event: EventPlace, args: string): OpenBlock => {
  state.hasToolUse = true;
  const block = openBlock(state, out, "tool_use", keyOf(item, event), {
    type: "tool_use",
    id: item.call_id ?? `call_${state.options.id}_${state.nextIndex}`,
    name: item.name,
    input: {},
  });
  if (args !== "") delta(out, block, { type: "input_json_delta", partial_json: args });
  return block;
};

const summaryText = (item: ReasoningItem): string =>
  item.summary !== undefined
    ? item.summary
        .flatMap((raw) => {
          const part = toContentPart(raw);
          return part.type === "summary_text" && part.text !== "" ? [part.text] : [];
        })
        .join("\n\n")
    : "";

const messageText = (item: MessageItem): { text: string; refusal: boolean } => {
  let text = "";
  let refusal = false;
  for (const raw of Array.isArray(item.content) ? item.content : []) {
    const part = toContentPart(raw);
    if (part.type === "output_text") text += part.text;
    else if (part.type === "refusal") {
      text += part.refusal;
      refusal = true;
    }
  }
  return { text, refusal };
};

/** `output_item.done`: the authoritative item (spec §5.4); sends what no delta carried, then closes its block. */
const finishItem = (state: MessagesStreamState, out: MessagesEvent[], wire: JsonObject, event: EventPlace): void => {
  const item = toItem(wire);
  const key = keyOf(wire, event);
  if (key !== undefined && state.closed.has(key)) return;
  const open = state.open && state.open.key === key ? state.open : null;
  switch (item.type) {
    case "message": {
      const { text, refusal } = messageText(item);
      if (refusal) state.hasRefusal = true;
      if (open?.hasDelta) break;
      if (text !== "") delta(out, blockFor(state, out, "text", key), { type: "text_delta", text });
      break;
    }
    case "function_call": {
      const args = item.arguments ?? "";
      if (open?.kind === "tool_use") {
        if (!open.hasDelta && args !== "") delta(out, open, { type: "input_json_delta", partial_json: args });
      } else {
        startToolUse(state, out, item, event, args); // never announced (done-only stream)
      }
      break;
    }
    case "reasoning": {
      if (state.options.thinking === "off") break;
      const blob = item.encrypted_content ? item.encrypted_content : undefined;
      const text = state.options.thinking === "summarized" ? summaryText(item) : "";
      const hasStreamed = open?.kind === "thinking" && open.hasDelta;
      if (!hasStreamed && text === "" && blob === undefined) break; // nothing to show and nothing to replay
      const block = open?.kind === "thinking" ? open : blockFor(state, out, "thinking", key);
      if (!hasStreamed && text !== "") delta(out, block, { type: "thinking_delta", thinking: text });
      // The final item's blob, not the one in output_item.added: the two differ (spec §5.5).
      if (blob !== undefined) delta(out, block, { type: "signature_delta", signature: toThinkingSignature(blob) });
      break;
    }
    case "custom_tool_call":
    case "local_shell_call":
    case "function_call_output":
    case "custom_tool_call_output":
    case "compaction_trigger":
    case "item_reference":
    case "unknown":
      return; // web_search_call, custom tool calls…: no Anthropic block
    default:
      return exhaustive(item);
  }
  if (state.open && state.open.key === key) closeOpen(state, out);
  else if (key !== undefined) state.closed.add(key);
};

const stopReasonOf = (state: MessagesStreamState, event: ResponseTerminalEvent): StopReason => {
  if (event.type === "response.incomplete") {
    const response = event.response ?? {};
    const details = isObject(response.incomplete_details) ? response.incomplete_details : {};
    return details.reason === "content_filter" ? "refusal" : "max_tokens";
  }
  if (state.hasRefusal) return "refusal";
  return state.hasToolUse ? "tool_use" : "end_turn";
};

const finishResponse = (state: MessagesStreamState, out: MessagesEvent[], event: ResponseTerminalEvent): void => {
  const response = event.response ?? {};
  // Spec §5.8 rule 3: items only in the terminal event's output (nothing streamed, no item done) still count.
  if (!state.hasOutput && Array.isArray(response.output)) {
    response.output.forEach((item: unknown, index: number) => {
      if (isObject(item)) finishItem(state, out, item, { output_index: index });
    });
  }
  closeOpen(state, out);
  state.terminal = event;
  out.push({ type: "message_delta", delta: { stop_reason: stopReasonOf(state, event), stop_sequence: null }, usage: toMessagesUsage(response.usage) });
  out.push({ type: "message_stop" });
};

const fail = (state: MessagesStreamState, out: MessagesEvent[], event: TerminalEvent | null): void => {
  state.failure = { event };
  // Anthropic ends a broken stream with one error event and nothing after it (no block stop, no message_stop).
  out.push(toAnthropicError(toProxyErrorFromFailure(event)).body);
};

/**
 * Folds the reducer's events into one Message object (stream: false), the way the Anthropic SDK accumulates a
 * stream. Throws the ProxyError of a failed or truncated stream.
 */
export const foldMessagesEvents = (state: MessagesStreamState, events: Iterable<MessagesEvent>): MessagesMessage => {
  if (state.failure !== null) throw toProxyErrorFromFailure(state.failure.event);
  const content: ContentBlock[] = [];
  const json = new Map<number, string>();
  let stopReason: StopReason | null = null;
  let usage = toMessagesUsage(undefined);
  for (const event of events) {
    if (event.type === "content_block_start") {
      content[event.index] = { ...event.content_block };
    } else if (event.type === "content_block_delta") {
      const block = content[event.index];
      const body = event.delta;
      if (!block) continue;
      if (body.type === "text_delta" && block.type === "text") block.text += body.text;
      else if (body.type === "thinking_delta" && block.type === "thinking") block.thinking += body.thinking;
      else if (body.type === "signature_delta" && block.type === "thinking") block.signature = body.signature;
      else if (body.type === "input_json_delta") json.set(event.index, (json.get(event.index) ?? "") + body.partial_json);
    } else if (event.type === "message_delta") {
      stopReason = event.delta.stop_reason;
      usage = event.usage;
    }
  }
  for (const [index, text] of json) {
    const block = content[index];
    if (block?.type !== "tool_use") continue;
    const input = parseJson(text);
    block.input = isObject(input) ? input : {}; // arguments that are not a JSON object: Anthropic's input must be one
  }
  return {
    id: state.options.id,
    type: "message",
    role: "assistant",
    model: state.options.model,
    content: content.filter((block) => block !== undefined),
    stop_reason: stopReason,
    stop_sequence: null,
    usage,
  };
};
