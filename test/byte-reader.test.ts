// The relay and drainInto read a byte-stream upstream body (Deno's and workerd's fetch bodies) into one
// buffer of their own, reused from read to read (src/sse/byte-reader.ts), and a default stream (the Node entry's
// adapter) as before. Over real web streams, on every runtime: the byte stream is read BYOB, and the bytes that come
// out are the same as through a default stream, with events cut across reads and a first read holding two events
// (the relay holds the second back after the first write, so the reused buffer must not be refilled under it);
// peekUpstream (/v1/messages) copies what it keeps and hands on, since its reader may hold chunks.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { peekUpstream } from "../src/sse/peek-upstream.ts";
import { createSseRelay, drainInto, type FrameReducer } from "../src/sse/relay.ts";

const encoder = new TextEncoder();

const event = (i: number) => `data: ${JSON.stringify({ type: "response.output_text.delta", delta: `d${i}-${"x".repeat(i * 7)}` })}\n\n`;
/** The upstream's network reads: two events in the first, then events cut mid-line across reads. */
const READS = (() => {
  const text = Array.from({ length: 12 }, (_, i) => event(i)).join("");
  const first = event(0).length + event(1).length;
  const cuts = [first, first + 5, first + 61, first + 130, first + 131, first + 300, text.length];
  return cuts.map((end, i) => text.slice(i === 0 ? 0 : (cuts[i - 1] as number), end));
})();

/** A body serving `reads` (READS unless told) one per pull, as a byte stream (answering the reader's own buffer when it brings one) or a default stream. */
const upstreamOf = (kind: "bytes" | "default", reads = READS) => {
  const seen = { byobPulls: 0, otherPulls: 0 };
  let next = 0;
  const pull = (controller: ReadableByteStreamController | ReadableStreamDefaultController<Uint8Array>) => {
    const read = reads[next++];
    if (read === undefined) {
      controller.close();
      // A BYOB read pending at close is answered with an empty view.
      if ("byobRequest" in controller) controller.byobRequest?.respond(0);
      return;
    }
    const bytes = encoder.encode(read);
    const request = "byobRequest" in controller ? controller.byobRequest : null;
    if (request?.view) {
      seen.byobPulls++;
      new Uint8Array(request.view.buffer, request.view.byteOffset, request.view.byteLength).set(bytes);
      request.respond(bytes.byteLength);
    } else {
      seen.otherPulls++;
      controller.enqueue(bytes);
    }
  };
  const body =
    kind === "bytes"
      ? new ReadableStream({ type: "bytes", pull })
      : new ReadableStream<Uint8Array>({ pull: (controller) => pull(controller) }, { highWaterMark: 0 });
  return { body: body as ReadableStream<Uint8Array>, seen };
};

/** Writes each event's raw data and `end` at finish. */
const echo = (): FrameReducer & { fed: string[] } => {
  const fed: string[] = [];
  return {
    fed,
    step: (_event, data) => {
      fed.push(data);
      return `${data}\n`;
    },
    finish: () => "end\n",
  };
};

const expected = `${Array.from({ length: 12 }, (_, i) => event(i).slice("data: ".length, -2)).join("\n")}\nend\n`;

describe("reading the upstream body", () => {
  for (const kind of ["bytes", "default"] as const) {
    test(`relay over a ${kind} stream: every event intact, in order; ${kind === "bytes" ? "read into its own buffer" : "a default reader"}`, async () => {
      const upstream = upstreamOf(kind);
      const text = await new Response(createSseRelay(upstream.body, echo(), { keepAliveMs: 60_000 })).text();
      assert.equal(text.replace(/^: ok\n\n/, ""), expected);
      if (kind === "bytes") assert.deepEqual(upstream.seen, { byobPulls: READS.length, otherPulls: 0 });
      else assert.equal(upstream.seen.byobPulls, 0);
    });

    test(`drainInto over a ${kind} stream: every event intact, in order`, async () => {
      const upstream = upstreamOf(kind);
      const reducer = echo();
      await drainInto(upstream.body, reducer);
      assert.equal(`${reducer.fed.join("\n")}\n`, expected.replace(/end\n$/, ""));
      if (kind === "bytes") assert.deepEqual(upstream.seen, { byobPulls: READS.length, otherPulls: 0 });
    });
  }

  test("peekUpstream over a bytes stream: the preamble it read ahead (one event per read) is replayed intact, then the rest", async () => {
    const preamble = ["response.created", "response.in_progress", "codex.rate_limits"].map(
      (type) => `data: ${JSON.stringify({ type, pad: type.repeat(9) })}\n\n`,
    );
    const reads = [...preamble, ...READS];
    const upstream = upstreamOf("bytes", reads);
    const peeked = await peekUpstream(upstream.body, 60_000);
    assert.equal(peeked.kind, "stream");
    if (peeked.kind !== "stream") return;
    assert.equal(await new Response(peeked.body).text(), reads.join(""));
    assert.equal(upstream.seen.byobPulls, reads.length);
  });
});
