// The stream stage's error path (issue 15 item 3, issue 16 item 4): a reducer that throws, an upstream event
// without `type`, and a frame that is not JSON, through the real relay and the whole proxy, on every runtime.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createProxy } from "../src/proxy.ts";
import { parseConfig } from "../src/config/parse-config.ts";
import { createLogger } from "../src/log.ts";
import type { AuthStore } from "../src/auth/types.ts";
import { OPEN_FRAME } from "../src/sse/encode.ts";
import { createSseRelay, drainInto, type FrameReducer } from "../src/sse/relay.ts";
import { toUpstreamEvent, type UpstreamEvent } from "../src/schemas/upstream-event.ts";
import { collectOutput, createOutputState, finalOutput } from "../src/translate/collect-output.ts";

const encoder = new TextEncoder();

/** An upstream body that serves `text` in one chunk and records whether it was cancelled. */
const upstreamOf = (text: string, { close = true } = {}) => {
  const seen = { cancelled: false };
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(text));
      if (close) controller.close();
    },
    cancel() {
      seen.cancelled = true;
    },
  });
  return { body, seen };
};

const frames = (...types: string[]) => types.map((type) => `data: ${JSON.stringify({ type })}\n\n`).join("");

/** Writes `<type>;` per event and `end;` at finish; throws on the event whose type is `boom`. */
const throwingReducer = (): FrameReducer & { fed: string[] } => {
  const fed: string[] = [];
  return {
    fed,
    step(event: UpstreamEvent) {
      // Types the union does not know (`boom`) arrive as "unknown" with their own name.
      const type = event.type === "unknown" ? event.name : event.type;
      fed.push(String(type));
      if (type === "boom") throw new TypeError("reducer bug");
      return `${String(type)}${event.type === "error" ? `(${String(event.code)})` : ""};`;
    },
    finish: () => "end;",
  };
};

const readAll = async (stream: ReadableStream<Uint8Array>) => new Response(stream).text();

describe("relay error path", () => {
  test("a reducer that throws: the upstream is cancelled, the error frame follows what was translated, the stream closes, onEnd says error", async () => {
    // The upstream stays open: only the relay's cancel can end it.
    const upstream = upstreamOf(frames("response.created", "boom", "response.completed"), { close: false });
    const reducer = throwingReducer();
    const ends: string[] = [];
    const errors: unknown[] = [];
    const out = createSseRelay(upstream.body, reducer, { keepAliveMs: 60_000, onEnd: (how) => ends.push(how), onStepError: (e) => errors.push(e) });
    const text = await readAll(out);
    assert.equal(text, `${OPEN_FRAME}response.created;error(proxy_stream_error);end;`);
    assert.ok(upstream.seen.cancelled, "the upstream body was cancelled");
    assert.deepEqual(ends, ["error"]);
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]), /reducer bug/);
    assert.ok(!reducer.fed.includes("response.completed"), "nothing after the throw is translated");
  });

  test("stream: false: drainInto cancels the upstream and feeds the reducer the error event", async () => {
    const upstream = upstreamOf(frames("response.created", "boom", "response.completed"), { close: false });
    const reducer = throwingReducer();
    const errors: unknown[] = [];
    await drainInto(upstream.body, reducer, undefined, (e) => errors.push(e));
    assert.ok(upstream.seen.cancelled);
    assert.deepEqual(reducer.fed, ["response.created", "boom", "error"]);
    assert.equal(errors.length, 1);
  });

  test("D9: an upstream event that grows past the cap without ending cuts the stream with the error frame and cancels the upstream", async () => {
    // An endless `data:` line: 64 KiB chunks of one unfinished delta, never a blank line.
    let sent = 0;
    let cancelled = false;
    const chunk = encoder.encode("a".repeat(64 * 1024));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode(`${frames("response.created")}data: {"type":"response.output_text.delta","delta":"`));
      },
      pull(controller) {
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
      cancel() {
        cancelled = true;
      },
    });
    const errors: unknown[] = [];
    const text = await readAll(createSseRelay(body, throwingReducer(), { keepAliveMs: 60_000, onStepError: (e) => errors.push(e) }));
    assert.equal(text, `${OPEN_FRAME}response.created;error(proxy_stream_error);end;`);
    assert.ok(cancelled, "the upstream body was cancelled");
    assert.match(String(errors[0]), /grew past 16777216 bytes/);
    assert.ok(sent >= 16 * 1024 * 1024 && sent <= 17 * 1024 * 1024, `read ${sent} bytes before stopping`);
  });

  test("D9: the rebuilt output keeps no deltas once an item is done", () => {
    const state = createOutputState();
    collectOutput(state, toUpstreamEvent({ type: "response.output_item.added", output_index: 0, item: { id: "m1", type: "message" } }));
    collectOutput(state, toUpstreamEvent({ type: "response.output_text.delta", item_id: "m1", delta: "hel" }));
    assert.equal(state.deltas.get("m1"), "hel", "before any done item, deltas are the last-resort rebuild");
    const done = { id: "m1", type: "message", content: [{ type: "output_text", text: "hello" }] };
    collectOutput(state, toUpstreamEvent({ type: "response.output_item.done", output_index: 0, item: done }));
    for (let i = 0; i < 1_000; i++) collectOutput(state, toUpstreamEvent({ type: "response.output_text.delta", item_id: "m2", delta: "x".repeat(100) }));
    assert.equal(state.deltas.size, 0);
    assert.equal(state.added.size, 0);
    assert.deepEqual(finalOutput(state), [done]);
  });

  test("events without `type` and frames that are not JSON objects are skipped, never fed to the reducer", async () => {
    const upstream = upstreamOf(`${frames("response.created")}data: {"foo":1}\n\ndata: not json\n\ndata: [1,2]\n\n${frames("response.completed")}`);
    const reducer = throwingReducer();
    const skipped: string[] = [];
    const text = await readAll(createSseRelay(upstream.body, reducer, { keepAliveMs: 60_000, onMalformed: (d) => skipped.push(d) }));
    assert.equal(text, `${OPEN_FRAME}response.created;response.completed;end;`);
    assert.deepEqual(skipped, ['{"foo":1}', "not json", "[1,2]"]);
  });
});

describe("an upstream event without `type` through the proxy (issue 16 item 4)", () => {
  const transcript = readFileSync("test/fixtures/codex/text.sse", "utf8").split("\n\n");
  // `data: {"foo":1}` right after response.created: it used to kill a /v1/responses stream with a TypeError.
  const odd = [transcript[0], 'data: {"foo":1}', ...transcript.slice(1)].join("\n\n");
  const upstreams: { cancelled: boolean }[] = [];
  const auth: AuthStore = {
    getCredentials: async () => ({ accessToken: "static-token", accountId: "acct" }),
    recoverFromUnauthorized: async () => {
      throw new Error("not expected");
    },
    status: async () => ({ path: "memory", loaded: true, accountId: true }),
  };
  const parsed = parseConfig({ argv: ["--api-key", "k", "--max-streams", "1"], env: {}, home: "/tmp" });
  if (parsed.kind !== "config") throw new Error("config");
  const proxy = createProxy({
    config: parsed.config,
    logger: createLogger({ level: "error", write: () => {} }),
    fetch: (async () => {
      const upstream = upstreamOf(odd);
      upstreams.push(upstream.seen);
      return new Response(upstream.body, { headers: { "content-type": "text/event-stream" } });
    }) as typeof fetch,
    now: () => Date.UTC(2026, 6, 20, 10, 0, 0),
    randomId: (() => {
      let id = 0;
      return () => `id${++id}`;
    })(),
    auth,
  });
  const post = (path: string, body: unknown) =>
    proxy.fetch(
      new Request(`http://proxy.test${path}`, {
        method: "POST",
        headers: { authorization: "Bearer k", "x-api-key": "k", "content-type": "application/json" },
        body: JSON.stringify(body),
      }),
      { remoteAddress: "127.0.0.1" },
    );
  const cases: [string, string, unknown, RegExp][] = [
    ["responses, streaming", "/v1/responses", { input: "hi", stream: true }, /event: response\.completed/],
    ["responses, stream: false", "/v1/responses", { input: "hi" }, /"status":"completed"/],
    ["chat, streaming", "/v1/chat/completions", { messages: [{ role: "user", content: "hi" }], stream: true }, /"finish_reason":"stop"[\s\S]*data: \[DONE\]/],
    ["chat, stream: false", "/v1/chat/completions", { messages: [{ role: "user", content: "hi" }] }, /"finish_reason":"stop"/],
    [
      "messages, streaming",
      "/v1/messages",
      { model: "claude-sonnet-4-5", max_tokens: 64, messages: [{ role: "user", content: "hi" }], stream: true },
      /event: message_stop/,
    ],
  ];
  for (const [name, path, body, done] of cases) {
    test(`${name}: the turn completes, and the --max-streams 1 slot is free for the next request`, async () => {
      const response = await post(path, body);
      assert.equal(response.status, 200);
      const text = await response.text();
      assert.match(text, done);
      assert.match(text, /Bonjour/);
      const next = await post(path, body);
      assert.equal(next.status, 200, "the slot was released");
      await next.text();
    });
  }
});
