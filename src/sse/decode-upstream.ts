// Upstream SSE body → parsed event objects: streaming UTF-8 decode, eventsource-parser framing, JSON (spec §5.2).
// Transport errors become a clean end of stream (the consumer sees no terminal event and reports truncation).
import { EventSourceParserStream } from "eventsource-parser/stream";
import type { EventSourceMessage } from "eventsource-parser";
import type { JsonObject } from "../translate/collect-output.ts";

export interface DecodeHooks {
  /** The upstream body failed mid-stream (reset, abort); the stream ends as if EOF. */
  onTransportError?: (error: unknown) => void;
  /** A `data:` payload that is not a JSON object (skipped). */
  onMalformed?: (data: string) => void;
}

/** Wraps the upstream body so read errors end it instead of erroring the whole pipeline; cancel reaches upstream. */
const guardBody = (body: ReadableStream<Uint8Array>, hooks: DecodeHooks): ReadableStream<Uint8Array> => {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) controller.close();
          else controller.enqueue(value);
        } catch (error) {
          hooks.onTransportError?.(error);
          controller.close();
        }
      },
      cancel: (reason) => reader.cancel(reason).catch(() => undefined),
    },
    { highWaterMark: 0 },
  );
};

const toJsonEvents = (hooks: DecodeHooks) =>
  new TransformStream<EventSourceMessage, JsonObject>({
    transform(message, controller) {
      const data = message.data;
      if (data === "[DONE]" || data === "") return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(data);
      } catch {
        hooks.onMalformed?.(data);
        return;
      }
      if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
        const event = parsed as JsonObject;
        // Key on data.type; fall back to the `event:` line when the payload lacks it (spec §5.2).
        if (typeof event.type !== "string" && message.event) event.type = message.event;
        controller.enqueue(event);
      } else {
        hooks.onMalformed?.(data);
      }
    },
  });

/** The upstream body as a stream of event objects. */
export const decodeUpstream = (body: ReadableStream<Uint8Array>, hooks: DecodeHooks = {}): ReadableStream<JsonObject> =>
  guardBody(body, hooks)
    .pipeThrough(new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>)
    .pipeThrough(new EventSourceParserStream())
    .pipeThrough(toJsonEvents(hooks));
