// Backend SSE events (spec §5.4): validated only in the fields the proxy reads; anything else is "unknown".
import { z } from "zod";

const item = z.looseObject({ type: z.string(), id: z.string().optional() });
const responseObject = z.looseObject({ id: z.string().optional(), status: z.string().optional() });

const itemEvent = z.looseObject({
  type: z.enum(["response.output_item.added", "response.output_item.done"]),
  output_index: z.number().optional(),
  item,
});
const deltaEvent = z.looseObject({
  type: z.enum([
    "response.output_text.delta",
    "response.function_call_arguments.delta",
    "response.refusal.delta",
    "response.reasoning_summary_text.delta",
  ]),
  item_id: z.string().optional(),
  output_index: z.number().optional(),
  delta: z.string(),
});
const terminalEvent = z.looseObject({
  type: z.enum(["response.created", "response.in_progress", "response.completed", "response.incomplete", "response.failed"]),
  response: responseObject,
});
const errorEvent = z.looseObject({ type: z.literal("error") });

const knownEvent = z.union([itemEvent, deltaEvent, terminalEvent, errorEvent]);
const KNOWN_TYPES = new Set<string>([
  ...itemEvent.shape.type.options,
  ...deltaEvent.shape.type.options,
  ...terminalEvent.shape.type.options,
  "error",
]);

export type UpstreamItem = z.infer<typeof item>;
export type KnownUpstreamEvent = z.infer<typeof knownEvent>;
/** Any other event passes through as raw JSON: a new event type must never break a stream. */
export interface UnknownUpstreamEvent {
  type: "unknown";
  raw: Record<string, unknown>;
}
export type UpstreamEvent = (KnownUpstreamEvent & { raw: Record<string, unknown> }) | UnknownUpstreamEvent;

/**
 * Classifies one parsed `data:` payload. Known types that fail their schema are reported as unknown
 * (with the raw object) rather than thrown, so a malformed event never kills the stream.
 */
export const toUpstreamEvent = (raw: unknown): UpstreamEvent | null => {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return null;
  const record = raw as Record<string, unknown>;
  if (typeof record.type !== "string" || !KNOWN_TYPES.has(record.type)) return { type: "unknown", raw: record };
  const parsed = knownEvent.safeParse(record);
  return parsed.success ? { ...parsed.data, raw: record } : { type: "unknown", raw: record };
};
