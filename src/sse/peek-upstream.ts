// Holds the client's status line back until the upstream shows its first output (docs/anthropic.md "Errors"):
// Anthropic answers a failure before any output with an HTTP error (400 "prompt is too long", 429, 529), and its
// clients act on that status, which an `event: error` inside a 200 stream does not carry (spec §6.7, §5.3).
import type { TerminalEvent } from "../schemas/upstream-event.ts";
import { openByteReader } from "./byte-reader.ts";
import { createUpstreamDecoder } from "./decode-upstream.ts";

export type PeekResult =
  /** The upstream failed (or ended without a terminal event: `event` null) before any output. */
  | { kind: "failed"; event: TerminalEvent | null }
  /** Output began, the wait ran out, or the stream completed: `body` replays every byte read so far, then the rest. */
  | { kind: "stream"; body: ReadableStream<Uint8Array> };

/** Events that do not yet show how the response goes (spec §5.3 preamble and §13.3 additions). */
const PREAMBLE = new Set(["response.created", "response.in_progress", "codex.rate_limits", "response.metadata", "codex.response.metadata", "keepalive"]);

type Read = ReadableStreamReadResult<Uint8Array> | "failed";

/**
 * Reads `upstream` until an event beyond the preamble, or for at most `waitMs` (a long silent reasoning phase
 * must not hold the headers back past the client's patience). A transport error counts like EOF.
 */
export const peekUpstream = async (upstream: ReadableStream<Uint8Array>, waitMs: number): Promise<PeekResult> => {
  // A byte-stream body is read into one reused buffer (byte-reader.ts): what is kept or handed on goes through kept().
  const reader = openByteReader(upstream);
  const buffered: Uint8Array[] = [];
  let verdict: "output" | TerminalEvent | undefined;
  const decoder = createUpstreamDecoder((event) => {
    if (verdict !== undefined) return;
    const type = event.type === "unknown" ? event.name : event.type;
    if (event.type === "response.failed" || event.type === "error") verdict = event;
    else if (type === undefined || !PREAMBLE.has(type)) verdict = "output";
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), waitMs);
  });
  let pending: Promise<Read> | undefined;
  let ended = false;
  try {
    while (verdict === undefined) {
      pending ??= reader.read().catch(() => "failed" as const);
      const result = await Promise.race([pending, timeout]);
      if (result === "timeout") break;
      pending = undefined;
      if (result === "failed" || result.done) {
        ended = true;
        decoder.end();
        break;
      }
      buffered.push(reader.kept(result.value));
      decoder.feed(result.value);
    }
  } finally {
    clearTimeout(timer);
  }
  if (typeof verdict === "object" || (ended && verdict === undefined)) {
    await reader.cancel().catch(() => undefined);
    return { kind: "failed", event: typeof verdict === "object" ? verdict : null };
  }
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = buffered.shift();
        if (next !== undefined) return controller.enqueue(next);
        if (ended) return controller.close();
        const result = await (pending ?? reader.read());
        pending = undefined;
        if (result === "failed") return controller.error(new TypeError("upstream stream failed"));
        if (result.done) return controller.close();
        controller.enqueue(reader.kept(result.value)); // whoever reads `body` may hold chunks
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
  return { kind: "stream", body };
};
