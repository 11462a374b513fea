// What only a real socket shows (STYLE.md §5): the runtime entry streaming from an emulator on loopback,
// client disconnects reaching the backend, quiet gaps surviving, keep-alive frames on the wire.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { Emulator } from "./emulator/index.ts";
import type { SpawnedProxy } from "./support/spawn-proxy.ts";
import { type ProxyOverEmulator, startProxyOverEmulator } from "./support/proxy-over-emulator.ts";
import { RUNTIME } from "./support/runtime.ts";
import { readSse } from "./support/harness.ts";
import { waitFor } from "./support/wait-for.ts";

type Json = Record<string, any>;
const KEY = "socket-key";

describe(`streaming over a socket on ${RUNTIME}`, () => {
  let emulator: Emulator;
  let proxy: SpawnedProxy;
  const post = (path: string, body: unknown, signal?: AbortSignal) =>
    fetch(`${proxy.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify(body),
      signal,
    });

  let setup: ProxyOverEmulator | undefined;
  before(async () => {
    setup = await startProxyOverEmulator("socket", ["--api-key", KEY, "--keep-alive", "1s"]);
    ({ emulator, proxy } = setup);
  });
  after(() => setup?.close());

  test("a Responses stream arrives event by event with the rebuilt output", async () => {
    emulator.enqueue("text", { text: "streamed over a socket", deltas: 6 });
    const frames = await readSse(await post("/v1/responses", { input: "x", stream: true }));
    const completed = frames.find((f) => f.event === "response.completed")?.data as Json;
    assert.equal(completed.response.output[0].content[0].text, "streamed over a socket");
    assert.equal(frames.filter((f) => f.event === "response.output_text.delta").length, 6);
  });

  test("a chat stream ends with finish_reason, the usage chunk and [DONE]", async () => {
    const frames = await readSse(
      await post("/v1/chat/completions", { messages: [{ role: "user", content: "hi" }], stream: true, stream_options: { include_usage: true } }),
    );
    assert.equal(frames.at(-1)?.data, "[DONE]");
    const usage = frames.at(-2)?.data as Json;
    assert.deepEqual(usage.choices, []);
    assert.equal(typeof usage.usage.prompt_tokens, "number");
    assert.equal((frames.at(-3)?.data as Json).choices[0].finish_reason, "stop");
  });

  test("an upstream event without `type` and a frame that is not JSON are skipped on the entry: both dialects complete (issue 15 item 3)", async () => {
    const odd = [
      { after: 1, text: 'data: {"foo":1}\n\n' },
      { after: 2, text: "data: not json\n\n" },
    ];
    emulator.enqueue("text", { text: "still whole", injectFrames: odd });
    const frames = await readSse(await post("/v1/responses", { input: "x", stream: true }));
    const completed = frames.find((f) => f.event === "response.completed")?.data as Json;
    assert.equal(completed.response.output[0].content[0].text, "still whole");
    emulator.enqueue("text", { text: "chat too", injectFrames: odd });
    const chat = await readSse(await post("/v1/chat/completions", { messages: [{ role: "user", content: "x" }], stream: true }));
    assert.equal(chat.at(-1)?.data, "[DONE]");
    assert.equal(chat.map((f) => (f.data as Json)?.choices?.[0]?.delta?.content ?? "").join(""), "chat too");
    assert.match(proxy.output(), /skipped a malformed upstream event/);
  });

  test("a client that disconnects mid-stream closes the upstream request", async () => {
    emulator.enqueue("slow", { delayBetweenEventsMs: 100 });
    const controller = new AbortController();
    const response = await post("/v1/responses", { input: "x", stream: true }, controller.signal);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    controller.abort();
    await reader.cancel().catch(() => undefined);
    assert.ok(await waitFor(() => emulator.calls.at(-1)?.aborted === true), "the emulator saw the abort");
    assert.ok(await waitFor(() => emulator.openStreams() === 0));
  });

  test("keep-alive comments fill upstream silence on the wire", async () => {
    emulator.enqueue("text", { stallMs: 2500, stallAfterEvents: 2 });
    const text = await (await post("/v1/responses", { input: "x", stream: true })).text();
    assert.ok((text.match(/^: keep-alive$/gm) ?? []).length >= 2, text.slice(0, 300));
    assert.match(text, /event: response\.completed/);
  });

  test("a 12 s silence before the answer survives a non-streaming request (Bun's 10 s idle default is raised)", async () => {
    emulator.enqueue("text", { text: "after the silence", delayFirstEventMs: 12_000 });
    const response = await post("/v1/responses", { input: "x" });
    assert.equal(response.status, 200);
    assert.equal((await response.json()).output_text, "after the silence");
  });
});
