// SSE framing (§5.2: `event:` + one-line `data:` + blank line) and the paced, abortable body of every stream
// (B14 delays and stalls, B15 drops, B19 client aborts). Timers are always cleared, so test runners exit cleanly.
import type { WireEvent } from "./turn.ts";

/** One SSE frame; `sequenceNumber` goes right after `type`, as in the fixtures, unless undefined (B18). */
export function frame(event: WireEvent, sequenceNumber: number | undefined): string {
  const { type, ...rest } = event;
  const data = sequenceNumber === undefined ? event : { type, sequence_number: sequenceNumber, ...rest };
  return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Frames a plan's events, numbering them 0, 1, 2… when `numbered`. */
export function frameAll(events: WireEvent[], numbered: boolean): string[] {
  return events.map((event, i) => frame(event, numbered ? i : undefined));
}

export interface Pacing {
  delayFirstEventMs: number;
  delayBetweenEventsMs: number;
  stallMs: number;
  stallAfterEvents: number;
}

export type StreamOutcome = "finished" | "aborted" | "ended";

/** A cancellable wait: `ms` ≤ 0 resolves at once, "forever" only through `cancel`. */
export function createWaiter() {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let release: (() => void) | undefined;
  return {
    wait(ms: number | "forever"): Promise<void> {
      if (ms !== "forever" && ms <= 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        release = () => {
          release = undefined;
          if (timer !== undefined) clearTimeout(timer);
          timer = undefined;
          resolve();
        };
        if (ms !== "forever") timer = setTimeout(() => release?.(), ms);
      });
    },
    cancel(): void {
      release?.();
    },
  };
}

/** How long a dropped stream waits after its last bytes so a socket server flushes them before the reset. */
const DROP_FLUSH_MS = 25;

/**
 * A pull-driven body: each event is produced only when the reader asks, after its delay. A cancel of the body or an
 * abort of `signal` stops emission at once (`aborted`); `end()` is for teardown (`ended`).
 */
export function createEventStream(args: {
  frames: string[];
  ending: "close" | "drop" | "hang";
  /** B15 mid-line: bytes written right before the drop. */
  partialFrame?: string;
  pacing: Pacing;
  signal?: AbortSignal;
  onOutcome: (outcome: StreamOutcome) => void;
}): { body: ReadableStream<Uint8Array>; end(): void } {
  const { frames, ending, pacing, signal } = args;
  const encoder = new TextEncoder();
  const waiter = createWaiter();
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  let done = false;
  let index = 0;
  let partialSent = false;

  const settle = (outcome: StreamOutcome) => {
    if (done) return;
    done = true;
    waiter.cancel();
    signal?.removeEventListener("abort", onAbort);
    args.onOutcome(outcome);
  };
  const fail = (reason: unknown, outcome: StreamOutcome) => {
    if (done) return;
    try {
      controller?.error(reason);
    } catch {
      // already closed or errored: nothing left to tell the reader
    }
    settle(outcome);
  };
  // Like fetch: aborting the request's signal after the headers makes body reads reject with the abort reason.
  function onAbort() {
    fail(signal?.reason, "aborted");
  }

  const body = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
        if (signal?.aborted) onAbort();
        else signal?.addEventListener("abort", onAbort, { once: true });
      },
      async pull(c) {
        if (done) return;
        if (index < frames.length) {
          let delay = index === 0 ? pacing.delayFirstEventMs : pacing.delayBetweenEventsMs;
          if (pacing.stallMs > 0 && index === pacing.stallAfterEvents) delay += pacing.stallMs;
          await waiter.wait(delay);
          if (done) return;
          c.enqueue(encoder.encode(frames[index] ?? ""));
          index += 1;
          // The last frame is handed over: close now, so a reader that stops at the terminal event leaves nothing open.
          if (index === frames.length && ending === "close") {
            c.close();
            settle("finished");
          }
          return;
        }
        if (ending === "close") {
          c.close();
          settle("finished");
          return;
        }
        if (ending === "hang") {
          await waiter.wait("forever");
          return;
        }
        if (args.partialFrame !== undefined && !partialSent) {
          partialSent = true;
          await waiter.wait(pacing.delayBetweenEventsMs);
          if (done) return;
          c.enqueue(encoder.encode(args.partialFrame));
          return;
        }
        await waiter.wait(DROP_FLUSH_MS);
        fail(new TypeError("terminated", { cause: new Error("emulator: connection dropped (disconnect scenario)") }), "finished");
      },
      cancel() {
        settle("aborted");
      },
    },
    { highWaterMark: 0 },
  );
  return { body, end: () => fail(new Error("emulator: stream ended by endAll()"), "ended") };
}
