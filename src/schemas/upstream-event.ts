// Backend SSE events as the proxy reads them (docs/backend.md §5.2–§5.4, §13.3): a plain-TS union on `type`
// ending in an explicit "unknown" case. `toUpstreamEvent` narrows each parsed payload once, with a few typeof
// checks and no copy (no zod on the per-event path); the reducers then switch exhaustively over the union.
import { isObject, type JsonObject } from "../json.ts";

/** `response.created` / `response.in_progress`: the response object so far (§5.6). */
export type ResponseLifecycleEvent = {
  type: "response.created" | "response.in_progress";
  response: JsonObject;
  sequence_number?: unknown;
};

/** `response.output_item.added` / `.done`: one output item; `.done` is the authoritative copy (§5.4, §5.8). */
export type OutputItemEvent = {
  type: "response.output_item.added" | "response.output_item.done";
  item: JsonObject;
  output_index?: number;
  sequence_number?: unknown;
};

/** `response.content_part.added`: a message part opens (§5.3). */
export type ContentPartAddedEvent = {
  type: "response.content_part.added";
  item_id?: string;
  output_index?: number;
  content_index?: number;
  part?: JsonObject;
  sequence_number?: unknown;
};

/** Text, refusal and function-argument deltas; `item_id` is the item id, never the call_id (§5.4, pitfall 15). */
export type DeltaEvent = {
  type: "response.output_text.delta" | "response.refusal.delta" | "response.function_call_arguments.delta";
  delta: string;
  item_id?: string;
  output_index?: number;
  content_index?: number;
  sequence_number?: unknown;
};

/** `response.reasoning_summary_text.delta`: summary text, one paragraph per `summary_index` (§5.4). */
export type ReasoningSummaryDeltaEvent = {
  type: "response.reasoning_summary_text.delta";
  delta: string;
  item_id?: string;
  output_index?: number;
  summary_index?: number;
  sequence_number?: unknown;
};

/** `response.function_call_arguments.done`: the full arguments string (§5.4). */
export type FunctionCallArgumentsDoneEvent = {
  type: "response.function_call_arguments.done";
  arguments?: string;
  item_id?: string;
  output_index?: number;
  sequence_number?: unknown;
};

/** The terminal events that carry a response object (§5.3; `response.failed` holds `response.error`, §6.7). */
export type ResponseTerminalEvent = {
  type: "response.completed" | "response.incomplete" | "response.failed";
  response?: JsonObject;
  sequence_number?: unknown;
};

/** The `error` event: fields at top level, or nested under `error` by some gateways, any of them null (§5.4). */
export type ErrorEvent = {
  type: "error";
  code?: unknown;
  message?: unknown;
  param?: unknown;
  error?: unknown;
  sequence_number?: unknown;
};

/**
 * Anything else: a type the proxy does not read (`response.output_text.done`, `codex.rate_limits`, …), a known type
 * whose fields have the wrong shape, or a payload without a string `type` (§13.3: must never break a stream).
 * Dialects that mirror the backend pass `raw` on unchanged; the others ignore it.
 */
export type UnknownUpstreamEvent = {
  type: "unknown";
  /** The payload's own `type`, when it had a string one. */
  name: string | undefined;
  /** The parsed payload as it came. */
  raw: JsonObject;
};

export type KnownUpstreamEvent =
  | ResponseLifecycleEvent
  | OutputItemEvent
  | ContentPartAddedEvent
  | DeltaEvent
  | ReasoningSummaryDeltaEvent
  | FunctionCallArgumentsDoneEvent
  | ResponseTerminalEvent
  | ErrorEvent;

export type UpstreamEvent = KnownUpstreamEvent | UnknownUpstreamEvent;

/** The event types that end a response (§5.3). */
export type TerminalEvent = ResponseTerminalEvent | ErrorEvent;

/** The payload object behind an event (the event itself, or an unknown event's `raw`). */
export const toRawEvent = (event: UpstreamEvent): JsonObject => (event.type === "unknown" ? event.raw : event);

export const isTerminalEvent = (event: UpstreamEvent): event is TerminalEvent =>
  event.type === "response.completed" || event.type === "response.incomplete" || event.type === "response.failed" || event.type === "error";

const isOptString = (value: unknown): boolean => value === undefined || typeof value === "string";
const isOptNumber = (value: unknown): boolean => value === undefined || typeof value === "number";
const isOptObject = (value: unknown): boolean => value === undefined || isObject(value);

// One guard per variant; each checks the type it claims, so the predicates hold by construction.
const isLifecycle = (e: JsonObject): e is ResponseLifecycleEvent =>
  (e.type === "response.created" || e.type === "response.in_progress") && isObject(e.response);
const isOutputItem = (e: JsonObject): e is OutputItemEvent =>
  (e.type === "response.output_item.added" || e.type === "response.output_item.done") && isObject(e.item) && isOptNumber(e.output_index);
const isContentPartAdded = (e: JsonObject): e is ContentPartAddedEvent =>
  e.type === "response.content_part.added" && isOptString(e.item_id) && isOptNumber(e.output_index) && isOptNumber(e.content_index) && isOptObject(e.part);
const isDelta = (e: JsonObject): e is DeltaEvent =>
  (e.type === "response.output_text.delta" || e.type === "response.refusal.delta" || e.type === "response.function_call_arguments.delta") &&
  typeof e.delta === "string" &&
  isOptString(e.item_id) &&
  isOptNumber(e.output_index) &&
  isOptNumber(e.content_index);
const isReasoningSummaryDelta = (e: JsonObject): e is ReasoningSummaryDeltaEvent =>
  e.type === "response.reasoning_summary_text.delta" &&
  typeof e.delta === "string" &&
  isOptString(e.item_id) &&
  isOptNumber(e.output_index) &&
  isOptNumber(e.summary_index);
const isArgumentsDone = (e: JsonObject): e is FunctionCallArgumentsDoneEvent =>
  e.type === "response.function_call_arguments.done" && isOptString(e.arguments) && isOptString(e.item_id) && isOptNumber(e.output_index);
const isResponseTerminal = (e: JsonObject): e is ResponseTerminalEvent =>
  (e.type === "response.completed" || e.type === "response.incomplete" || e.type === "response.failed") && isOptObject(e.response);
const isErrorEvent = (e: JsonObject): e is ErrorEvent => e.type === "error";

const GUARDS: ReadonlyMap<string, (e: JsonObject) => e is KnownUpstreamEvent> = new Map<string, (e: JsonObject) => e is KnownUpstreamEvent>([
  ["response.created", isLifecycle],
  ["response.in_progress", isLifecycle],
  ["response.output_item.added", isOutputItem],
  ["response.output_item.done", isOutputItem],
  ["response.content_part.added", isContentPartAdded],
  ["response.output_text.delta", isDelta],
  ["response.refusal.delta", isDelta],
  ["response.function_call_arguments.delta", isDelta],
  ["response.reasoning_summary_text.delta", isReasoningSummaryDelta],
  ["response.function_call_arguments.done", isArgumentsDone],
  ["response.completed", isResponseTerminal],
  ["response.incomplete", isResponseTerminal],
  ["response.failed", isResponseTerminal],
  ["error", isErrorEvent],
]);

/**
 * Narrows one parsed `data:` object, once, with a few typeof checks and no copy: whatever no guard accepts (an
 * unread type, a known type with fields of the wrong shape) is "unknown".
 */
export const toUpstreamEvent = (payload: JsonObject): UpstreamEvent => {
  const name = typeof payload.type === "string" ? payload.type : undefined;
  const guard = name === undefined ? undefined : GUARDS.get(name);
  if (guard !== undefined && guard(payload)) return payload;
  return { type: "unknown", name, raw: payload };
};
