// The late-2026 stream additions (docs/backend.md §13.3, issue 16 item 4): codex.rate_limits before
// response.created, keepalive events, response.metadata. /v1/usage learns from codex.rate_limits; a plain
// /v1/responses client sees nothing before response.created and no codex.*, keepalive or response.metadata events; the official
// client (originator codex_*) gets the stream as the backend sent it.
import { describe, test, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createHarness, readSse, type Harness } from "./support/harness.ts";

type Json = Record<string, any>;
const EXTRAS = { rateLimits: true, keepalive: true, metadataEvents: true } as const;
const typesOf = (frames: { event?: string; data: unknown }[]) => frames.map((f) => f.data as Json | string).map((d) => (typeof d === "string" ? d : d.type));

describe("codex.* stream events (§13.3)", () => {
  let h: Harness | undefined;
  afterEach(() => {
    h?.close();
    h = undefined;
  });

  test("a plain /v1/responses client: response.created first, no codex.* or keepalive events, the text intact", async () => {
    h = createHarness();
    h.emulator.enqueue("text", { ...EXTRAS, text: "hello there" });
    const frames = await readSse(await h.post("/v1/responses", { input: "hi", stream: true }));
    const types = typesOf(frames).filter((t) => t !== "[DONE]");
    assert.equal(types[0], "response.created");
    assert.ok(!types.some((t) => t.startsWith("codex.") || t === "keepalive"), types.join(","));
    // The openai SDK's responses.stream() throws on response.metadata (found by the client suite, openai 7.55).
    assert.ok(!types.includes("response.metadata"), types.join(","));
    assert.equal(types.at(-1), "response.completed");
    const sequence = frames.map((f) => (f.data as Json).sequence_number).filter((n) => typeof n === "number");
    assert.deepEqual(sequence, [...sequence.keys()], "sequence numbers stay contiguous from 0");
  });

  test("the official client (originator codex_exec) gets codex.rate_limits, keepalive and metadata events where the backend put them", async () => {
    h = createHarness();
    h.emulator.enqueue("text", EXTRAS);
    // The official client's body goes upstream as sent (issue 16 item 2), so it is one the backend accepts as it is.
    const body = {
      model: "gpt-5.5",
      instructions: "be brief",
      input: [{ type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] }],
      stream: true,
      store: false,
    };
    const frames = await readSse(await h.post("/v1/responses", body, { headers: { originator: "codex_exec" } }));
    const types = typesOf(frames);
    assert.equal(types[0], "codex.rate_limits");
    assert.ok(types.includes("keepalive"));
    assert.ok(types.includes("codex.response.metadata"));
    assert.ok(types.includes("response.metadata"));
  });

  test("chat and Messages clients never see codex.* events", async () => {
    h = createHarness();
    h.emulator.enqueue("text", EXTRAS);
    const chat = await (await h.post("/v1/chat/completions", { messages: [{ role: "user", content: "hi" }], stream: true })).text();
    assert.doesNotMatch(chat, /codex\.|rate_limits|keepalive/);
    h.emulator.enqueue("text", EXTRAS);
    const messages = await (
      await h.post(
        "/v1/messages",
        { model: "claude-sonnet-4-5", max_tokens: 64, messages: [{ role: "user", content: "hi" }], stream: true },
        { headers: { "anthropic-version": "2023-06-01" } },
      )
    ).text();
    assert.doesNotMatch(messages, /codex\.|rate_limits/);
    assert.match(messages, /event: message_stop/);
  });

  test("codex.rate_limits updates /v1/usage: plan, window with its reset time, credits, per-model limits (stream and not)", async () => {
    h = createHarness();
    const additional = { "GPT-5.3-Codex-Spark": { primary: { used_percent: 12, window_minutes: 300 } } };
    h.emulator.enqueue("text", {
      rateLimits: {
        plan_type: "pro",
        rate_limits: { allowed: true, limit_reached: false, primary: { used_percent: 42, window_minutes: 10080, reset_after_seconds: 3600 }, secondary: null },
        credits: { has_credits: true, unlimited: false, balance: "17.5" },
        additional_rate_limits: additional,
      },
    });
    await (await h.post("/v1/responses", { input: "hi", stream: true })).text();
    const usage = (await (await h.get("/v1/usage")).json()) as Json;
    assert.equal(usage.plan_type, "pro");
    assert.equal(usage.windows.primary.used_percent, 42);
    assert.equal(usage.windows.primary.window_minutes, 10080);
    assert.equal(usage.windows.primary.resets_at, new Date(h.now() + 3_600_000).toISOString());
    assert.deepEqual(usage.credits, { has_credits: true, unlimited: false, balance: "17.5" });
    assert.deepEqual(usage.additional_rate_limits, additional);
    // stream: false reads it too.
    h.emulator.enqueue("text", { rateLimits: { plan_type: "plus", rate_limits: { primary: { used_percent: 50, window_minutes: 300 } } } });
    await (await h.post("/v1/chat/completions", { messages: [{ role: "user", content: "hi" }] })).json();
    const after = (await (await h.get("/v1/usage")).json()) as Json;
    assert.equal(after.plan_type, "plus");
    assert.equal(after.windows.primary.used_percent, 50);
  });
});
