// Upstream SSE bytes → parsed event objects (spec §5.2): streaming UTF-8 decode and eventsource-parser's push
// parser, then JSON, narrowed once to the typed event union. A push decoder, so one stream stage can decode,
// translate and encode per network chunk.
import { createParser } from "eventsource-parser";
import { parseJsonObject } from "../json.ts";
import { toUpstreamEvent, type UpstreamEvent } from "../schemas/upstream-event.ts";

export interface UpstreamDecoder {
  /** Feeds one network chunk; `onEvent` runs for every complete event in it. */
  feed(chunk: Uint8Array): void;
  /** End of input: flushes a final event that had no blank line after it. */
  end(): void;
}

/**
 * Most bytes one upstream event may take before its blank line (red team D9: a line without a newline is buffered
 * whole, 100 MB cost +250 MB). Past it the decoder throws: the relay's error path cancels the upstream and ends the
 * client's stream with the dialect's error frame.
 */
export const MAX_EVENT_BYTES = 16 * 1024 * 1024;

/**
 * Deepest nesting of objects and arrays one upstream event may have (red team D17 #53: a `response.completed`
 * nested 50,000 levels overflowed the stack of `JSON.stringify` on Node, 500 "internal error"). A real event is a
 * few levels around the response, plus a tool schema the client sent (at most 500 levels, http/body-shape.ts).
 */
export const MAX_EVENT_DEPTH = 1_000;

/** Deeper than `limit`? An explicit stack, so the check itself cannot overflow. */
const deeperThan = (root: object, limit: number): boolean => {
  const stack: [value: object, depth: number][] = [[root, 1]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [value, depth] = next;
    if (depth > limit) return true;
    for (const child of Array.isArray(value) ? value : Object.values(value)) if (typeof child === "object" && child !== null) stack.push([child, depth + 1]);
  }
  return false;
};

/**
 * What an event nested past MAX_EVENT_DEPTH becomes: the backend's own `error` event (docs/backend.md §5.4 shape), so
 * each dialect ends with its error (502 for stream: false, an error frame in a stream), as for a failure the backend
 * reported, and no later stage serialises the deep value.
 */
const TOO_DEEP_DATA = JSON.stringify({
  type: "error",
  code: "upstream_protocol_error",
  message: `The Codex backend sent an event nested more than ${MAX_EVENT_DEPTH} levels deep; the proxy stopped the response. Please retry.`,
  param: null,
});

export class EventTooLargeError extends Error {
  constructor(limit: number) {
    super(`an upstream event grew past ${limit} bytes without ending; the stream was stopped`);
    this.name = "EventTooLargeError";
  }
}

/** Builds a decoder (`onEvent` also gets the raw `data:` text); `onMalformed` sees `data:` payloads that are not JSON objects (they are skipped). */
export const createUpstreamDecoder = (
  onEvent: (event: UpstreamEvent, data: string) => void,
  onMalformed?: (data: string) => void,
  maxEventBytes = MAX_EVENT_BYTES,
): UpstreamDecoder => {
  const text = new TextDecoder();
  /** Bytes fed since the last event or comment ended: at least what the parser holds unfinished. */
  let pending = 0;
  const parser = createParser({
    onComment() {
      pending = 0;
    },
    onEvent(message) {
      pending = 0;
      const data = message.data;
      if (data === "[DONE]" || data === "") return;
      const payload = parseJsonObject(data);
      // Key on data.type; fall back to the `event:` line when the payload lacks it (spec §5.2).
      if (payload !== undefined && typeof payload.type !== "string" && message.event) payload.type = message.event;
      // Not a JSON object, or without a type no reducer can place it (issue 16 item 4: `data: {"foo":1}` must
      // not break a stream): skipped.
      if (payload === undefined || typeof payload.type !== "string") {
        onMalformed?.(data);
        return;
      }
      // Depth d needs at least 2·d characters, so ordinary events skip the walk.
      if (data.length > 2 * MAX_EVENT_DEPTH && deeperThan(payload, MAX_EVENT_DEPTH)) {
        onEvent(toUpstreamEvent(JSON.parse(TOO_DEEP_DATA)), TOO_DEEP_DATA);
        return;
      }
      onEvent(toUpstreamEvent(payload), data);
    },
  });
  return {
    feed: (chunk) => {
      pending += chunk.byteLength;
      parser.feed(text.decode(chunk, { stream: true }));
      if (pending > maxEventBytes) throw new EventTooLargeError(maxEventBytes);
    },
    end: () => {
      const rest = text.decode();
      // A final event without its blank line still counts (truncated streams end mid-frame).
      parser.feed(`${rest}\n\n`);
    },
  };
};
