// The one stream stage of every SSE response: opens with a comment so the status line goes out at once, pulls
// upstream chunks on demand, decodes and translates them, writes one encoded chunk per network chunk, fills silence
// with keep-alive comments, and owns cancel() (STYLE.md "Streams"; spec §5.9). Pull-based, so nothing is read
// ahead of the client.
import type { ErrorEvent, UpstreamEvent } from "../schemas/upstream-event.ts";
import { openByteReader } from "./byte-reader.ts";
import { createUpstreamDecoder } from "./decode-upstream.ts";
import { KEEP_ALIVE_FRAME, OPEN_FRAME } from "./encode.ts";

const encoder = new TextEncoder();
const KEEP_ALIVE_BYTES = encoder.encode(KEEP_ALIVE_FRAME);
const OPEN_BYTES = encoder.encode(OPEN_FRAME);

export interface FrameReducer {
  /** Encoded SSE text for one upstream event ("" for nothing); `data` is the event's raw `data:` text. */
  step(event: UpstreamEvent, data: string): string;
  /** Encoded SSE text at upstream EOF, or after a transport error. */
  finish(): string;
}

export interface RelayOptions {
  /** Time since the client last got a byte from us after which a keep-alive comment is sent (red team D14). */
  keepAliveMs: number;
  /** "done" when the upstream ended (normally or broken), "cancel" when the client went away, "error" when translating threw. */
  onEnd?: (how: "done" | "cancel" | "error") => void;
  onTransportError?: (error: unknown) => void;
  onMalformed?: (data: string) => void;
  /** Decoding or translating threw: the upstream is cancelled and the stream ends in the dialect's error frame. */
  onStepError?: (error: unknown) => void;
}

/**
 * What the reducer is fed when decoding or translating throws: an upstream `error` event (docs/backend.md §5.4
 * shape), so each dialect ends the stream with its own error frame, as for a failure the backend reported.
 */
export const internalErrorEvent = (): ErrorEvent => ({
  type: "error",
  code: "proxy_stream_error",
  message: "The proxy could not translate the upstream stream and stopped it; please retry.",
  param: null,
});

/** The reducer's last words after a throw: the error event and finish(), or nothing if the reducer throws again. */
const closingText = (reducer: FrameReducer): string => {
  try {
    return reducer.step(internalErrorEvent(), "") + reducer.finish();
  } catch {
    return "";
  }
};

type ReadResult = ReadableStreamReadResult<Uint8Array>;
/** Settles before a read that has to wait for the network, after one the stream can answer from its queue. */
const NOTHING_YET = Promise.resolve("nothing-yet" as const);

/** Where the first SSE event in `chunk` ends (after its blank line), or -1 when it holds no complete event. */
const firstEventEnd = (chunk: Uint8Array): number => {
  for (let i = 1; i < chunk.length; i++) {
    if (chunk[i] !== 10) continue;
    if (chunk[i - 1] === 10) return i + 1;
    if (chunk[i - 1] === 13 && chunk[i - 2] === 10 && chunk[i - 3] === 13) return i + 1;
  }
  return -1;
};

/** The client-facing SSE body: upstream bytes → reducer → bytes, with keep-alive and cancellation. */
export const createSseRelay = (upstream: ReadableStream<Uint8Array>, reducer: FrameReducer, options: RelayOptions): ReadableStream<Uint8Array> => {
  const reader = openByteReader(upstream);
  let out = "";
  const decoder = createUpstreamDecoder((event, data) => {
    out += reducer.step(event, data);
  }, options.onMalformed);
  let pending: Promise<ReadResult | "failed"> | undefined;
  let ended = false;
  // Keep-alive: one timer for the stream, not one per read. Silence is counted from the start of the current pull
  // (`quietSince`): pull() runs when the client has taken everything enqueued so far, so that is when it got its
  // last byte from us. Upstream chunks that complete no event (a dribbled event, red team D14) send nothing and so
  // do not restart it. A read that waits records who to wake; the timer, when it fires, wakes that wait once
  // keepAliveMs have passed since quietSince, or re-arms for the rest.
  let wake: ((tick: "tick") => void) | undefined;
  let quietSince = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onTimer = () => {
    timer = undefined;
    if (ended || wake === undefined) return;
    const left = quietSince + options.keepAliveMs - Date.now();
    if (left > 0) {
      timer = setTimeout(onTimer, left);
      return;
    }
    const resolve = wake;
    wake = undefined;
    resolve("tick");
  };
  /** `read` settled, or "tick" once keepAliveMs have passed since the client's last byte. */
  const readOrTick = (read: Promise<ReadResult | "failed">) =>
    new Promise<ReadResult | "failed" | "tick">((resolve) => {
      wake = resolve;
      timer ??= setTimeout(onTimer, Math.max(0, quietSince + options.keepAliveMs - Date.now()));
      void read.then(resolve);
    });
  const end = (how: "done" | "cancel" | "error") => {
    if (ended) return;
    ended = true;
    wake = undefined;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    options.onEnd?.(how);
  };
  const read = () =>
    reader.read().catch((error: unknown) => {
      options.onTransportError?.(error);
      return "failed" as const;
    });

  // Until the first bytes are out, a burst is fed one event at a time, so the first event is not held back while
  // the rest of the burst is translated (time to first byte); `carry` is the unfed rest of that chunk.
  let firstSent = false;
  let carry: Uint8Array | undefined;
  let opened = false;

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        quietSince = Date.now();
        // The first bytes are a comment (ignored by SSE parsers), sent before anything is read from upstream: Node
        // and Bun write the status line only with the first body bytes, so without it a silent upstream would keep
        // the client without headers (red team D14). The caller decided the 200 before this stage exists (for
        // /v1/messages only after peekUpstream, which holds the status back for an early error).
        if (!opened) {
          opened = true;
          controller.enqueue(OPEN_BYTES);
          return;
        }
        try {
          await pullInto(controller);
        } catch (error) {
          // The client went away while this pull waited: its cancel() already ended the record; nothing to send.
          if (ended) return;
          // Anything that throws in the decoder or reducer (red team / issue 15 item 3): cancel the upstream, send
          // the dialect's error frame after what was already translated, close, and end the record (frees the slot).
          options.onStepError?.(error);
          pending = undefined;
          void reader.cancel(error).catch(() => undefined);
          const tail = out + closingText(reducer);
          out = "";
          if (tail !== "") controller.enqueue(encoder.encode(tail));
          controller.close();
          end("error");
        }
      },
      async cancel(reason) {
        end("cancel");
        await reader.cancel(reason).catch(() => undefined);
      },
    },
    { highWaterMark: 0 },
  );

  async function pullInto(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    for (;;) {
      let chunk = carry;
      carry = undefined;
      if (chunk === undefined) {
        pending ??= read();
        const result = await readOrTick(pending);
        wake = undefined;
        // cancel() ran while this read waited (its reader.cancel() settles the read as done): the stream is closed.
        if (ended) return;
        if (result === "tick") {
          controller.enqueue(KEEP_ALIVE_BYTES);
          return;
        }
        pending = undefined;
        if (result === "failed" || result.done) {
          decoder.end();
          out += reducer.finish();
          if (out !== "") controller.enqueue(encoder.encode(out));
          out = "";
          controller.close();
          end("done");
          return;
        }
        chunk = result.value;
      }
      if (!firstSent) {
        const cut = firstEventEnd(chunk);
        if (cut > 0 && cut < chunk.length) {
          carry = chunk.subarray(cut);
          chunk = chunk.subarray(0, cut);
        }
      }
      decoder.feed(chunk);
      // Coalesce chunks the upstream already delivered: one write per burst instead of one per event.
      while (firstSent) {
        pending = read();
        const more = await Promise.race([pending, NOTHING_YET]);
        if (ended) return;
        if (more === "nothing-yet" || more === "failed" || more.done) break;
        pending = undefined;
        decoder.feed(more.value);
      }
      if (out !== "") {
        controller.enqueue(encoder.encode(out));
        out = "";
        firstSent = true;
        return;
      }
      // A chunk with no complete event yet: read on without returning an empty pull.
    }
  }
};

/**
 * Runs the whole upstream body into `reducer` (stream: false); transport errors end it like EOF. A throw while
 * decoding or translating cancels the upstream and feeds the reducer the internal error event, as the relay does.
 */
export const drainInto = async (
  upstream: ReadableStream<Uint8Array>,
  reducer: FrameReducer,
  onTransportError?: (error: unknown) => void,
  onStepError?: (error: unknown) => void,
) => {
  const decoder = createUpstreamDecoder((event, data) => void reducer.step(event, data));
  const reader = openByteReader(upstream);
  let failed = false;
  try {
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      try {
        decoder.feed(chunk.value);
      } catch (error) {
        failed = true;
        onStepError?.(error);
        await reader.cancel(error).catch(() => undefined);
        break;
      }
    }
  } catch (error) {
    onTransportError?.(error);
  } finally {
    reader.releaseLock();
  }
  if (failed) {
    closingText(reducer);
    return;
  }
  decoder.end();
  reducer.finish();
};
