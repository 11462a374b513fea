// Recorded transcripts through the real pipeline against the translation goldens (spec §8.6, §9.3, §12.4).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createProxy } from "../src/proxy.ts";
import { parseConfig } from "../src/config/parse-config.ts";
import { createLogger } from "../src/log.ts";
import type { AuthStore } from "../src/auth/types.ts";
import { OPEN_FRAME } from "../src/sse/encode.ts";
import { createSseRelay } from "../src/sse/relay.ts";
import { createResponsesStreamState, finishResponsesEvents, stepResponsesEvents } from "../src/translate/upstream-to-responses.ts";
import { createFixtureUpstream, toChunkedStream } from "./support/fixture-upstream.ts";
import { readFixtureBytes, readFixtureJson, readFixtureText } from "./support/read-fixture.ts";
import { readSse } from "./support/harness.ts";
import { sessionUuid } from "../src/upstream/upstream-headers.ts";

const NOW = Date.UTC(2026, 6, 20, 10, 0, 0);

const staticAuth: AuthStore = {
  getCredentials: async () => ({ accessToken: "static-token", accountId: "acct" }),
  recoverFromUnauthorized: async () => {
    throw new Error("not expected");
  },
  status: async () => ({ path: "memory", loaded: true, accountId: true }),
};

const setup = () => {
  const upstream = createFixtureUpstream();
  const parsed = parseConfig({ argv: ["--api-key", "k", "--model", "gpt-5.4"], env: {}, home: "/tmp" });
  if (parsed.kind !== "config") throw new Error("config");
  let id = 0;
  const proxy = createProxy({
    config: parsed.config,
    logger: createLogger({ level: "error", write: () => {} }),
    fetch: upstream.fetch,
    now: () => NOW,
    randomId: () => `fixture${++id}`,
    auth: staticAuth,
  });
  const post = (path: string, body: unknown) =>
    proxy.fetch(
      new Request(`http://proxy.test${path}`, {
        method: "POST",
        headers: { authorization: "Bearer k", "content-type": "application/json" },
        body: JSON.stringify(body),
      }),
      { remoteAddress: "127.0.0.1" },
    );
  return { upstream, post };
};

/** Frames of a golden .sse file, parsed the same way as the proxy's output. */
const goldenFrames = (path: string) => readSse(new Response(readFixtureText(path)));

const reduceTranscript = async (bytes: Uint8Array, cuts: number[]): Promise<string> => {
  const state = createResponsesStreamState({ model: "gpt-5.4", createdAt: 0, randomId: () => "x" });
  const relay = createSseRelay(
    toChunkedStream(bytes, cuts),
    {
      step: (event) => JSON.stringify(stepResponsesEvents(state, event)),
      finish: () => JSON.stringify(finishResponsesEvents(state)),
    },
    { keepAliveMs: 60_000 },
  );
  return new Response(relay).text();
};

describe("Responses goldens", () => {
  test("text-then-tool.sse as a /v1/responses stream equals text-then-tool.responses-stream.sse", async () => {
    const { upstream, post } = setup();
    upstream.next("text-then-tool", 97);
    const text = await (await post("/v1/responses", { input: "weather in Porto?", stream: true })).text();
    const frames = await readSse(new Response(text));
    const golden = await goldenFrames("codex/translation/text-then-tool.responses-stream.sse");
    assert.equal(frames.length, golden.length);
    frames.forEach((frame, i) => assert.deepEqual(frame, golden[i], `frame ${i}`));
    // Events the proxy did not need to change go out as the exact bytes the backend sent.
    const goldenBlocks = readFixtureText("codex/translation/text-then-tool.responses-stream.sse").split("\n\n");
    // The relay's opening comment (red team D14) comes first; SSE parsers skip it.
    assert.ok(text.startsWith(OPEN_FRAME), text.slice(0, 40));
    const blocks = text.slice(OPEN_FRAME.length).split("\n\n");
    blocks.forEach((block, i) => {
      if (!block.startsWith("event: response.completed")) assert.equal(block, goldenBlocks[i], `frame ${i} bytes`);
    });
  });

  test("reasoning-text.sse, non-streaming, equals reasoning-text.responses.json", async () => {
    const { upstream, post } = setup();
    upstream.next("reasoning-text", 64);
    const response = await post("/v1/responses", { input: "multiply", stream: false });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), readFixtureJson("codex/translation/reasoning-text.responses.json"));
  });

  test("orphan output: the call remembered from a chat turn is re-inserted and instructions come from the cache", async () => {
    const { upstream, post } = setup();
    upstream.next("tool-call");
    const chat = await post("/v1/chat/completions", readFixtureJson("codex/translation/chat-request-tool-call.json"));
    assert.equal(chat.status, 200);
    await chat.text();
    upstream.next("tool-then-text");
    const response = await post("/v1/responses", readFixtureJson("codex/translation/responses-request-orphan-output.json"));
    assert.equal(response.status, 200, await response.clone().text());
    // The golden predates issue 16: a prompt_cache_key derived from `user` now goes upstream only as the hash of
    // its namespaced session key (`user:<value>`, red team D11).
    const expected = readFixtureJson<Record<string, unknown>>("codex/translation/responses-request-orphan-output.expected-upstream.json");
    assert.deepEqual(upstream.bodies.at(-1), { ...expected, prompt_cache_key: sessionUuid(`user:${String(expected.prompt_cache_key)}`) });
  });

  for (const name of ["text", "tolerant-framing", "minimal"]) {
    test(`${name}.sse gives the same events however the bytes are split (every offset)`, async () => {
      const bytes = readFixtureBytes(`codex/${name}.sse`);
      const whole = await reduceTranscript(bytes, []);
      assert.match(whole, /response\.completed/);
      for (let cut = 1; cut < bytes.length; cut++) {
        const split = await reduceTranscript(bytes, [cut]);
        if (split !== whole) assert.fail(`split at byte ${cut} changed the output`);
      }
    });
  }

  test("text.sse split into single bytes (multibyte characters cut) gives the same events", async () => {
    const bytes = readFixtureBytes("codex/text.sse");
    const whole = await reduceTranscript(bytes, []);
    assert.equal(
      await reduceTranscript(
        bytes,
        Array.from({ length: bytes.length }, (_, i) => i),
      ),
      whole,
    );
  });

  test("a burst in one network chunk: the first event goes out on its own, the rest of the burst in one write", async () => {
    for (const name of ["codex/text.sse", "codex/tolerant-framing.sse"]) {
      const bytes = readFixtureBytes(name);
      const events: string[] = [];
      const relay = createSseRelay(
        toChunkedStream(bytes, []),
        {
          step: (event) => {
            events.push(event.type as string);
            return `${event.type as string};`;
          },
          finish: () => "end",
        },
        { keepAliveMs: 60_000 },
      );
      const reader = relay.getReader();
      const decoder = new TextDecoder();
      const writes: string[] = [];
      for (let r = await reader.read(); !r.done; r = await reader.read()) writes.push(decoder.decode(r.value));
      assert.equal(writes[0], OPEN_FRAME, `${name}: the opening comment, before any upstream read (red team D14)`);
      assert.equal(writes[1], "response.created;", name);
      assert.equal(writes.length, 4, `${name}: the opening comment, first event, the rest of the burst, the end`);
      assert.equal(
        writes[2],
        events
          .slice(1)
          .map((type) => `${type};`)
          .join(""),
      );
      assert.ok(events.length > 5, name);
    }
  });
});
