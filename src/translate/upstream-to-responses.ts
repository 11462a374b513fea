// Backend events → client /v1/responses events (spec §8.6, clients.md §5.A): pass through in order, add what
// strict clients need when the backend omits it, and rebuild `response.completed.output` (spec §5.8).
import { exhaustive } from "../exhaustive.ts";
import type { JsonObject } from "../json.ts";
import { itemTypeName, toItem, toContentPart } from "../schemas/items.ts";
import { type ErrorEvent, type TerminalEvent, toRawEvent, type UpstreamEvent } from "../schemas/upstream-event.ts";
import { collectOutput, createOutputState, finalOutput, type OutputState } from "./collect-output.ts";

/** An event as the /v1/responses client gets it: the backend's payload, patched where strict clients need it. */
export type ResponsesEvent = JsonObject & { type: string };

export interface ResponsesStreamOptions {
  /** The model the client asked for (echoed when the backend omits it). */
  model: string;
  /** Unix seconds, used when the backend omits created_at. */
  createdAt: number;
  /** Fresh ids for items the backend sent without one. */
  randomId: () => string;
  /**
   * The official client (Codex CLI) gets every event as the backend sent it. Others get no `codex.*` or `keepalive`
   * events and nothing before `response.created` (the openai SDK's responses.stream() throws otherwise; §13.3).
   */
  backendEvents?: boolean;
}

export interface ResponsesStreamState {
  options: ResponsesStreamOptions;
  output: OutputState;
  /** item id per output_index, for deltas that lack item_id. */
  itemIds: Map<number, string>;
  /** message item ids that already had a content_part.added. */
  partsOpened: Set<string>;
  /** Added to upstream sequence numbers after the proxy inserted events of its own. */
  sequenceOffset: number;
  lastSequence: number;
  responseId?: string;
  /** The terminal event, once seen (the proxy's own truncation `error` included). */
  terminal?: TerminalEvent;
  /** Whether the last step changed the upstream event (else its original bytes can be sent as they came). */
  touched: boolean;
  /** Whether `response.created` has gone out. */
  created: boolean;
}

const PREFIX: Record<string, string> = { message: "msg", function_call: "fc", reasoning: "rs", custom_tool_call: "ctc", web_search_call: "ws" };

export const createResponsesStreamState = (options: ResponsesStreamOptions): ResponsesStreamState => ({
  options,
  output: createOutputState(),
  itemIds: new Map(),
  partsOpened: new Set(),
  sequenceOffset: 0,
  lastSequence: -1,
  created: false,
  touched: false,
});

/** Sets one field and remembers that the event no longer matches its upstream bytes. */
const patch = (state: ResponsesStreamState, target: JsonObject, key: string, value: unknown): void => {
  target[key] = value;
  state.touched = true;
};

const hasStringType = (payload: JsonObject): payload is ResponsesEvent => typeof payload.type === "string";

/** Renumbers so sequence numbers stay increasing around events the proxy inserts. */
const sequence = (state: ResponsesStreamState, event: JsonObject): void => {
  const upstream = typeof event.sequence_number === "number" ? event.sequence_number + state.sequenceOffset : undefined;
  const next = upstream !== undefined && upstream > state.lastSequence ? upstream : state.lastSequence + 1;
  if (next !== event.sequence_number) patch(state, event, "sequence_number", next);
  state.lastSequence = next;
};

const patchResponse = (state: ResponsesStreamState, response: JsonObject): void => {
  if (typeof response.id !== "string" || response.id === "") patch(state, response, "id", state.responseId ?? `resp_${state.options.randomId()}`);
  state.responseId = response.id as string;
  if (response.object === undefined) patch(state, response, "object", "response");
  if (typeof response.created_at !== "number") patch(state, response, "created_at", state.options.createdAt);
  if (typeof response.model !== "string" || response.model === "") patch(state, response, "model", state.options.model);
};

const patchItem = (state: ResponsesStreamState, wire: JsonObject, index: number, done: boolean): void => {
  const item = toItem(wire);
  const known = state.itemIds.get(index);
  const id = typeof wire.id === "string" && wire.id !== "" ? wire.id : (known ?? `${PREFIX[itemTypeName(item) ?? ""] ?? "item"}_${state.options.randomId()}`);
  if (id !== wire.id) patch(state, wire, "id", id);
  state.itemIds.set(index, id);
  if (item.type === "message" || item.type === "function_call") {
    if (typeof item.status !== "string") patch(state, wire, "status", done ? "completed" : "in_progress");
  }
  if (item.type === "function_call" && item.arguments === undefined) patch(state, wire, "arguments", "");
  if (item.type === "message" && Array.isArray(item.content)) {
    for (const raw of item.content) {
      const part = toContentPart(raw);
      if (part.type === "output_text" && !Array.isArray(part.annotations)) patch(state, part, "annotations", []);
    }
  }
};

/**
 * Backend events outside the public Responses API (§13.3 [REPORTED]) that the openai SDK's `responses.stream()` throws
 * on ("Unhandled response stream event", seen with openai 7.55 in the client suite): only the official client gets them.
 */
const BACKEND_ONLY_TYPES = new Set(["keepalive", "response.metadata"]);

/** Events only the official client reads: `codex.*`, the set above, and any non-`response.*` event but `error` before `response.created`. */
const isBackendOnly = (state: ResponsesStreamState, type: string): boolean =>
  type.startsWith("codex.") || BACKEND_ONLY_TYPES.has(type) || (!state.created && !type.startsWith("response.") && type !== "error");

/** One upstream event → the events to send, already patched (usually just the same event). */
export const stepResponsesEvents = (state: ResponsesStreamState, event: UpstreamEvent): ResponsesEvent[] => {
  collectOutput(state.output, event);
  state.touched = false;
  const raw = toRawEvent(event);
  const type = String(raw.type);
  const out: ResponsesEvent[] = [];
  if (!state.options.backendEvents && isBackendOnly(state, type)) return out;
  if (type === "response.created") state.created = true;
  switch (event.type) {
    case "response.created":
    case "response.in_progress":
      patchResponse(state, event.response);
      break;
    case "response.output_item.added":
    case "response.output_item.done":
      patchItem(state, event.item, event.output_index ?? state.itemIds.size, event.type === "response.output_item.done");
      break;
    case "response.content_part.added":
      if (event.item_id !== undefined) state.partsOpened.add(event.item_id);
      if (event.part?.type === "output_text" && !Array.isArray(event.part.annotations)) patch(state, event.part, "annotations", []);
      break;
    case "response.output_text.delta":
    case "response.function_call_arguments.delta":
    case "response.refusal.delta": {
      const index = event.output_index;
      const known = index === undefined ? undefined : state.itemIds.get(index);
      if (event.item_id === undefined && known !== undefined) patch(state, event, "item_id", known);
      if (event.type === "response.output_text.delta") {
        if (event.content_index === undefined) patch(state, event, "content_index", 0);
        const itemId = event.item_id;
        if (typeof itemId === "string" && !state.partsOpened.has(itemId)) {
          // Strict clients need content_part.added before the first text delta (clients.md R02).
          state.partsOpened.add(itemId);
          const opened: ResponsesEvent = {
            type: "response.content_part.added",
            sequence_number: undefined,
            item_id: itemId,
            output_index: index ?? 0,
            content_index: event.content_index,
            part: { type: "output_text", annotations: [], logprobs: [], text: "" },
          };
          sequence(state, opened);
          state.sequenceOffset += 1;
          state.touched = true;
          out.push(opened);
        }
      }
      break;
    }
    case "response.completed":
    case "response.incomplete":
      state.terminal = event;
      if (event.response !== undefined) {
        patchResponse(state, event.response);
        patch(state, event.response, "output", finalOutput(state.output, event.response.output));
      }
      break;
    case "response.failed":
      state.terminal = event;
      if (event.response !== undefined) patchResponse(state, event.response);
      break;
    case "error":
      state.terminal = event;
      break;
    case "response.reasoning_summary_text.delta":
    case "response.function_call_arguments.done":
    case "unknown":
      break; // passed on as they came
    default:
      return exhaustive(event);
  }
  sequence(state, raw);
  if (hasStringType(raw)) out.push(raw); // always: the decoder passes only events with a string type
  return out;
};

/** At upstream EOF: a synthesized `error` event when no terminal event came (spec §8.6), else nothing. */
export const finishResponsesEvents = (state: ResponsesStreamState): ResponsesEvent[] => {
  if (state.terminal) return [];
  const event: ErrorEvent & ResponsesEvent = {
    type: "error",
    sequence_number: state.lastSequence + 1,
    code: "stream_truncated",
    message: "The Codex backend closed the stream before the response finished; please retry.",
    param: null,
  };
  state.terminal = event;
  state.lastSequence += 1;
  return [event];
};
