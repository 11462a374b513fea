// POST /v1/responses against the emulator (issue #4): sanitising, session memory, streaming patches,
// non-streaming fold, error mapping and cancellation.
import { describe, test, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createHarness, readSse, type Harness } from "./support/harness.ts";
import { sessionUuid } from "../src/upstream/upstream-headers.ts";

type Json = Record<string, any>;
const OPENCLAW_SYSTEM = "You are OpenClaw, a personal agent. Be precise.";

const lastBody = (h: Harness): Json => h.emulator.calls.at(-1)?.body as Json;
const okJson = async (response: Response): Promise<Json> => {
  const text = await response.text();
  assert.equal(response.status, 200, text);
  return JSON.parse(text);
};

describe("POST /v1/responses", () => {
  let h: Harness;
  afterEach(() => h?.close());

  test("OpenClaw's request shape: system item folded into instructions, rejected keys dropped, history kept", async () => {
    h = createHarness();
    const tool = {
      type: "function",
      name: "read",
      description: "Read a file",
      parameters: { type: "object", properties: { path: { type: "string" } }, required: ["path"] },
    };
    const response = await h.post("/v1/responses", {
      model: "gpt-5.2-codex",
      stream: true,
      store: false,
      max_output_tokens: 8192,
      input: [
        { type: "message", role: "system", content: [{ type: "input_text", text: OPENCLAW_SYSTEM }] },
        { type: "message", role: "user", content: [{ type: "input_text", text: "[Tue 2026-11-24 02:29 UTC] Say hello" }] },
        { type: "message", role: "user", content: [{ type: "input_text", text: "<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>x<<<END_OPENCLAW_INTERNAL_CONTEXT>>>" }] },
      ],
      tools: [tool],
    });
    const frames = await readSse(response);
    assert.equal(response.status, 200);
    assert.equal(h.emulator.calls.at(-1)?.status, 200);
    const body = lastBody(h);
    assert.equal(body.instructions, OPENCLAW_SYSTEM);
    assert.equal(body.max_output_tokens, undefined);
    assert.equal(body.store, false);
    assert.equal(body.stream, true);
    assert.equal(body.input.length, 2);
    assert.ok(body.input.every((item: Json) => item.role === "user"));
    assert.deepEqual(body.tools[0].parameters, tool.parameters);
    const completed = frames.find((f) => f.event === "response.completed")?.data as Json;
    assert.equal(completed.response.output[0].content[0].text, "hello");
    assert.equal(frames.at(-1)?.data, "[DONE]");
  });

  test("string input, item ids and item_reference are normalised; unknown parameters never reach upstream", async () => {
    h = createHarness();
    const response = await h.post("/v1/responses", {
      input: [
        { id: "msg_client1", role: "user", content: "hi" },
        { type: "item_reference", id: "msg_old" },
        { id: "msg_2", type: "message", role: "assistant", content: [{ type: "input_text", text: "earlier answer" }] },
        { role: "user", content: "again" },
      ],
      temperature: 0.2,
      top_p: 1,
      metadata: { a: "b" },
      previous_response_id: "resp_1",
      truncation: "auto",
      safety_identifier: "x",
      prompt_cache_retention: "24h",
      user: "u-1",
      text: {},
    });
    await okJson(response);
    const body = lastBody(h);
    assert.deepEqual(body.input, [
      { role: "user", content: [{ type: "input_text", text: "hi" }], type: "message" },
      { type: "message", role: "assistant", content: [{ type: "output_text", text: "earlier answer" }] },
      { role: "user", content: [{ type: "input_text", text: "again" }], type: "message" },
    ]);
    assert.deepEqual(Object.keys(body).sort(), [
      "input",
      "instructions",
      "model",
      "parallel_tool_calls",
      "prompt_cache_key",
      "store",
      "stream",
      "tool_choice",
      "tools",
    ]);
    assert.equal(body.model, "gpt-5.2-codex");
    assert.equal(body.prompt_cache_key, sessionUuid("user:u-1"), "a key derived from `user` goes upstream only as its hash");
    assert.equal(body.instructions, "You are a helpful assistant.");
    const plain = await h.post("/v1/responses", { input: "just a string", model: "gpt-5.4" });
    await okJson(plain);
    assert.deepEqual(lastBody(h).input, [{ type: "message", role: "user", content: [{ type: "input_text", text: "just a string" }] }]);
    const dropped = /dropped unsupported parameters: ([^;"]+)/.exec(h.logs.join("\n"))?.[1]?.split(", ").sort();
    assert.deepEqual(dropped, [
      "metadata",
      "previous_response_id",
      "prompt_cache_retention",
      "safety_identifier",
      "temperature",
      "top_p",
      "truncation",
      "user",
    ]);
  });

  test("chat-shaped tools are flattened; a forced tool_choice filters the tools; reasoning adds include", async () => {
    h = createHarness();
    const nested = (name: string) => ({ type: "function", function: { name, description: `${name} tool`, parameters: { type: "object", properties: {} } } });
    await okJson(
      await h.post("/v1/responses", {
        input: "x",
        tools: [nested("a"), nested("b")],
        tool_choice: { type: "function", function: { name: "b" } },
        parallel_tool_calls: true,
        reasoning: { effort: "low" },
      }),
    );
    const body = lastBody(h);
    assert.deepEqual(body.tools, [{ type: "function", name: "b", description: "b tool", parameters: { type: "object", properties: {} }, strict: false }]);
    assert.equal(body.tool_choice, "auto");
    assert.equal(body.parallel_tool_calls, true);
    assert.deepEqual(body.include, ["reasoning.encrypted_content"]);
    await okJson(await h.post("/v1/responses", { input: "x", parallel_tool_calls: true }));
    assert.equal(lastBody(h).parallel_tool_calls, false, "never true without tools");
  });

  test("two-turn tool round trip: turn two carries only the function_call_output and the proxy re-inserts the call", async () => {
    h = createHarness();
    const tools = [{ type: "function", name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } }];
    const first = await okJson(
      await h.post(
        "/v1/responses",
        {
          instructions: "Weather bot.",
          input: 'CALL_TOOL get_weather {"city":"Paris"}',
          tools,
        },
        { headers: { "x-openclaw-session-key": "s-tool" } },
      ),
    );
    const call = first.output.find((item: Json) => item.type === "function_call");
    assert.equal(call.name, "get_weather");
    assert.equal(call.arguments, '{"city":"Paris"}');
    const second = await okJson(
      await h.post(
        "/v1/responses",
        {
          input: [{ type: "function_call_output", call_id: call.call_id, output: "21C and sunny" }],
          tools,
        },
        { headers: { "x-openclaw-session-key": "s-tool" } },
      ),
    );
    const body = lastBody(h);
    assert.deepEqual(body.input[0], { type: "function_call", call_id: call.call_id, name: "get_weather", arguments: '{"city":"Paris"}' });
    assert.equal(body.input[1].type, "function_call_output");
    assert.equal(body.instructions, "Weather bot.");
    assert.equal(second.output_text, "tool said: 21C and sunny");
  });

  test("a call is never inserted twice when the client resends it", async () => {
    h = createHarness();
    const tools = [{ type: "function", name: "f", parameters: { type: "object", properties: {} } }];
    const first = await okJson(await h.post("/v1/responses", { input: "CALL_TOOL f {}", tools, user: "dup" }));
    const call = first.output.find((item: Json) => item.type === "function_call");
    await okJson(
      await h.post("/v1/responses", {
        input: [
          { type: "function_call", id: "fc_x", status: "completed", call_id: call.call_id, name: "f", arguments: "{}" },
          { type: "function_call_output", call_id: call.call_id, output: "ok" },
        ],
        tools,
        user: "dup",
      }),
    );
    assert.equal(lastBody(h).input.filter((i: Json) => i.type === "function_call").length, 1);
    assert.equal(lastBody(h).input[0].id, undefined);
  });

  test("an orphan output with nothing remembered is a 400 naming the call_id (the backend is never called)", async () => {
    h = createHarness();
    const response = await h.post("/v1/responses", { input: [{ type: "function_call_output", call_id: "call_unknown123", output: "x" }] });
    assert.equal(response.status, 400);
    const body = await response.json();
    assert.match(body.error.message, /call_unknown123/);
    assert.equal(body.error.param, "input");
    assert.equal(h.emulator.calls.length, 0);
  });

  const sources: [string, Json, Record<string, string>, string?][] = [
    ["user field", { user: "alice" }, {}],
    ["x-openclaw-session-key header", {}, { "x-openclaw-session-key": "oc-1" }],
    ["prompt_cache_key", { prompt_cache_key: "pck-1" }, {}],
    ["session_id header", {}, { session_id: "sid-1" }],
    ["session-id header", {}, { "session-id": "sid-2" }],
    ["x-session-id header", {}, { "x-session-id": "sid-3" }],
    ["remote address", {}, {}, "10.1.2.3"],
  ];
  for (const [name, fields, headers, remoteAddress] of sources) {
    test(`instructions are reused per session keyed by the ${name}`, async () => {
      h = createHarness();
      await okJson(await h.post("/v1/responses", { ...fields, instructions: `rules for ${name}`, input: "one" }, { headers, remoteAddress }));
      await okJson(await h.post("/v1/responses", { ...fields, input: "two" }, { headers, remoteAddress }));
      assert.equal(lastBody(h).instructions, `rules for ${name}`);
      // Another session on the same machine does not inherit them.
      await okJson(await h.post("/v1/responses", { input: "three" }, { remoteAddress: "10.9.9.9" }));
      assert.equal(lastBody(h).instructions, "You are a helpful assistant.");
    });
  }

  test("session key order: user beats the header, which beats prompt_cache_key", async () => {
    h = createHarness();
    await okJson(await h.post("/v1/responses", { user: "u", instructions: "by user", input: "a" }));
    await okJson(await h.post("/v1/responses", { user: "u", prompt_cache_key: "p", input: "b" }, { headers: { "x-openclaw-session-key": "k" } }));
    assert.equal(lastBody(h).instructions, "by user");
    assert.equal(lastBody(h).prompt_cache_key, "p", "the client's prompt_cache_key is forwarded as given");
  });

  test("cached instructions expire after --cache-ttl", async () => {
    h = createHarness({ argv: ["--cache-ttl", "30m"] });
    await okJson(await h.post("/v1/responses", { user: "ttl", instructions: "remember me", input: "a" }));
    h.advance(29 * 60_000);
    await okJson(await h.post("/v1/responses", { user: "ttl", input: "b" }));
    assert.equal(lastBody(h).instructions, "remember me", "a hit inside the TTL");
    h.advance(31 * 60_000);
    await okJson(await h.post("/v1/responses", { user: "ttl", input: "c" }));
    assert.equal(lastBody(h).instructions, "You are a helpful assistant.");
  });

  test('D11: session keys keep their source apart: `user: "10.0.0.5"` never reads the instructions of the client at 10.0.0.5', async () => {
    h = createHarness();
    await okJson(await h.post("/v1/responses", { instructions: "secret of 10.0.0.5", input: "x" }, { remoteAddress: "10.0.0.5" }));
    await okJson(await h.post("/v1/responses", { user: "10.0.0.5", input: "x" }, { remoteAddress: "10.9.9.9" }));
    assert.equal(lastBody(h).instructions, "You are a helpful assistant.");
    await okJson(await h.post("/v1/responses", { input: "x" }, { remoteAddress: "10.0.0.5" }));
    assert.equal(lastBody(h).instructions, "secret of 10.0.0.5", "the address's own session still has them");
  });

  test("D11: a call remembered for session `a:b` is not re-inserted for session `a` sending the output of call `b:<id>`", async () => {
    h = createHarness();
    const tools = [{ type: "function", name: "f", parameters: { type: "object", properties: {} } }];
    const first = await okJson(await h.post("/v1/responses", { user: "a:b", input: "CALL_TOOL f {}", tools }));
    const callId = first.output.find((i: Json) => i.type === "function_call").call_id;
    const crossed = await h.post("/v1/responses", { user: "a", input: [{ type: "function_call_output", call_id: `b:${callId}`, output: "x" }], tools });
    assert.equal(crossed.status, 400);
    assert.equal((await crossed.json()).error.code, "tool_call_not_found");
    const own = await h.post("/v1/responses", { user: "a:b", input: [{ type: "function_call_output", call_id: callId, output: "x" }], tools });
    assert.equal(own.status, 200, "the session that got the call still has it");
  });

  test("the instructions cache is bounded by --cache-max-entries (least recently used goes first)", async () => {
    h = createHarness({ argv: ["--cache-max-entries", "2"] });
    for (const user of ["a", "b", "c"]) await okJson(await h.post("/v1/responses", { user, instructions: `for ${user}`, input: "x" }));
    await okJson(await h.post("/v1/responses", { user: "a", input: "x" }));
    assert.equal(lastBody(h).instructions, "You are a helpful assistant.");
    await okJson(await h.post("/v1/responses", { user: "c", input: "x" }));
    assert.equal(lastBody(h).instructions, "for c");
  });

  test("the caches are bounded in bytes too (--cache-max-bytes, red team D5), and a value over 1 MiB is not cached", async () => {
    h = createHarness({ argv: ["--cache-max-bytes", "3kb"] });
    for (const user of ["a", "b"]) await okJson(await h.post("/v1/responses", { user, instructions: `${user}`.repeat(1_200), input: "x" }));
    // Both fit in 3 kB; a third 1.2 kB prompt pushes the least recently used one out, although only 3 entries exist.
    await okJson(await h.post("/v1/responses", { user: "c", instructions: "c".repeat(1_200), input: "x" }));
    await okJson(await h.post("/v1/responses", { user: "a", input: "x" }));
    assert.equal(lastBody(h).instructions, "You are a helpful assistant.", "a was evicted by size");
    await okJson(await h.post("/v1/responses", { user: "c", input: "x" }));
    assert.equal(lastBody(h).instructions, "c".repeat(1_200));
    h.close();
    h = createHarness();
    const huge = "h".repeat(1024 * 1024 + 1);
    await okJson(await h.post("/v1/responses", { user: "huge", instructions: huge, input: "x" }));
    assert.equal(lastBody(h).instructions.length, huge.length, "sent upstream as it is");
    await okJson(await h.post("/v1/responses", { user: "huge", input: "x" }));
    assert.equal(lastBody(h).instructions, "You are a helpful assistant.", "but not cached");
  });

  test("upstream headers as the Codex CLI 0.169 sends them: originator, its User-Agent format, session-id/thread-id hashed from the session key", async () => {
    h = createHarness();
    await okJson(await h.post("/v1/responses", { input: "x", user: "hdr" }, { headers: { "x-codex-turn-metadata": "{}", "x-custom": "1" } }));
    const call = h.emulator.calls.at(-1);
    const headers = call?.headers ?? {};
    assert.match(headers.authorization ?? "", /^Bearer eyJ/);
    assert.equal(headers["chatgpt-account-id"], "3f6b1c2e-8d4a-4f0b-9c7e-5a1d2b3c4e5f");
    assert.equal(headers.originator, "codex_cli_rs");
    assert.equal(headers.accept, "text/event-stream");
    assert.equal(headers["user-agent"], "codex_cli_rs/0.169.0 (Linux; x86_64) godex-proxy (codex_cli_rs; 0.169.0)");
    assert.match(headers["session-id"] ?? "", /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(headers["thread-id"], headers["session-id"]);
    assert.equal(headers["session-id"], sessionUuid("user:hdr"));
    assert.notEqual(sessionUuid("hdr"), sessionUuid("hdr2"));
    assert.equal(headers.session_id, undefined, "the old spelling is gone (§13.2)");
    assert.equal(headers["x-custom"], undefined, "a plain client's own headers are not forwarded");
    assert.equal(headers["x-codex-turn-metadata"], undefined);
    assert.doesNotMatch(JSON.stringify({ headers, body: call?.body }), /"hdr"/, "the raw session key goes nowhere upstream");
    // An IP-derived key too.
    await okJson(await h.post("/v1/responses", { input: "x" }, { remoteAddress: "10.4.4.4" }));
    assert.doesNotMatch(JSON.stringify(h.emulator.calls.at(-1)), /10\.4\.4\.4/);
    assert.equal(lastBody(h).prompt_cache_key, sessionUuid("ip:10.4.4.4"));
  });

  test("streaming: events keep their event: lines and order, completed.output is rebuilt, then [DONE]", async () => {
    h = createHarness();
    h.emulator.enqueue("text-then-tool");
    const response = await h.post("/v1/responses", {
      stream: true,
      input: "weather?",
      reasoning: { effort: "medium", summary: "auto" },
      tools: [{ type: "function", name: "get_weather", parameters: { type: "object", properties: { location: { type: "string" } } } }],
    });
    assert.equal(response.headers.get("content-type"), "text/event-stream; charset=utf-8");
    assert.equal(response.headers.get("cache-control"), "no-cache");
    const frames = await readSse(response);
    const events = frames.filter((f) => f.data !== "[DONE]").map((f) => f.data as Json);
    assert.ok(frames.every((f) => f.data === "[DONE]" || f.event === (f.data as Json).type));
    assert.deepEqual(
      events.map((e) => e.sequence_number),
      events.map((_, i) => i),
    );
    const done = events.filter((e) => e.type === "response.output_item.done").map((e) => e.item);
    const completed = events.at(-1) as Json;
    assert.equal(completed.type, "response.completed");
    assert.deepEqual(completed.response.output, done);
    assert.deepEqual(
      done.map((i: Json) => i.type),
      ["reasoning", "message", "function_call"],
    );
    assert.deepEqual(h.emulator.calls.at(-1)?.output, done, "exactly the items the backend finished");
  });

  test("non-streaming: one response object with output rebuilt, output_text and usage", async () => {
    h = createHarness();
    h.emulator.enqueue("text", { text: "Bonjour ×°", deltas: 5 });
    const body = await okJson(await h.post("/v1/responses", { input: "x", stream: false }));
    assert.equal(body.object, "response");
    assert.equal(body.status, "completed");
    assert.equal(body.output_text, "Bonjour ×°");
    assert.equal(body.output.length, 1);
    assert.equal(body.output[0].content[0].annotations.length, 0);
    assert.equal(typeof body.usage.input_tokens, "number");
    assert.equal(body.usage.total_tokens, body.usage.input_tokens + body.usage.output_tokens);
  });

  test("a response whose text came only in output_item.done (minimal stream) still has its text", async () => {
    h = createHarness();
    h.emulator.enqueue("minimal", { text: "only in done" });
    const body = await okJson(await h.post("/v1/responses", { input: "x" }));
    assert.equal(body.output_text, "only in done");
  });

  test("completed with a populated output is not duplicated", async () => {
    h = createHarness();
    h.emulator.enqueue("completed-with-output");
    const body = await okJson(await h.post("/v1/responses", { input: "x" }));
    assert.equal(body.output.filter((i: Json) => i.type === "message").length, 1);
  });

  test("mid-stream response.failed is forwarded as is, then the stream ends cleanly", async () => {
    h = createHarness();
    h.emulator.enqueue("failed", { failCode: "server_error", afterEvents: 4 });
    const frames = await readSse(await h.post("/v1/responses", { input: "x", stream: true }));
    const failed = frames.find((f) => f.event === "response.failed")?.data as Json;
    assert.equal(failed.response.error.code, "server_error");
    assert.equal(frames.at(-1)?.data, "[DONE]");
  });

  test("EOF without a terminal event becomes an error event (stream_truncated), never a silent success", async () => {
    h = createHarness();
    h.emulator.enqueue("disconnect", { afterEvents: 5, midLine: true });
    const frames = await readSse(await h.post("/v1/responses", { input: "x", stream: true }));
    const error = frames.find((f) => f.event === "error")?.data as Json;
    assert.equal(error.code, "stream_truncated");
    assert.ok(!frames.some((f) => f.event === "response.completed"));
  });

  test("non-streaming failures map to statuses: failed server_error → 502, context_length_exceeded → 400, truncation → 502", async () => {
    h = createHarness();
    const cases: [string, Json, number, string][] = [
      ["failed", { failCode: "server_error" }, 502, "server_error"],
      ["failed", { failCode: "context_length_exceeded" }, 400, "context_length_exceeded"],
      ["failed", { failCode: "rate_limit_exceeded" }, 429, "rate_limit_exceeded"],
      ["disconnect", { afterEvents: 3 }, 502, "stream_truncated"],
    ];
    for (const [scenario, options, status, code] of cases) {
      h.emulator.enqueue(scenario as "failed", options);
      const response = await h.post("/v1/responses", { input: "x" });
      assert.equal(response.status, status, `${scenario} ${code}`);
      const body = await response.json();
      assert.equal(body.error.code, code);
    }
  });

  test("upstream errors: 400 keeps the backend's message, HTML 403 → 502, 500 → 502, 503 → 502", async () => {
    h = createHarness({ emulator: { models: { "gpt-5.4": ["low"] } } });
    const bad = await h.post("/v1/responses", { input: "x", model: "gpt-9" });
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).error.message, "The 'gpt-9' model is not supported when using Codex with a ChatGPT account.");
    for (const [name, status] of [
      ["cloudflare-403", 502],
      ["internal-500", 502],
      ["overloaded-503", 502],
    ] as const) {
      h.emulator.enqueue("http-error", { httpError: name });
      const response = await h.post("/v1/responses", { input: "x", model: "gpt-5.4" });
      assert.equal(response.status, status, name);
      const body = await response.json();
      assert.deepEqual(Object.keys(body.error).sort(), ["code", "message", "param", "type"]);
      assert.doesNotMatch(body.error.message, /<html/i);
    }
  });

  test("429 usage limit: Retry-After from the reset, reset fields and x-codex-* headers kept, one upstream call", async () => {
    h = createHarness();
    h.emulator.enqueue("usage-limit");
    const response = await h.post("/v1/responses", { input: "x" });
    assert.equal(response.status, 429);
    const body = await response.json();
    assert.equal(body.error.type, "usage_limit_reached");
    assert.equal(typeof body.error.resets_at, "number");
    assert.equal(Number(response.headers.get("retry-after")), body.error.resets_in_seconds);
    assert.ok(response.headers.get("x-codex-primary-used-percent"));
    assert.equal(h.emulator.calls.length, 1);
  });

  test("no response headers before --header-timeout → 504", async () => {
    h = createHarness({ argv: ["--header-timeout", "150ms"] });
    h.emulator.enqueue("slow", { delayHeadersMs: 2000 });
    const response = await h.post("/v1/responses", { input: "x", stream: true });
    assert.equal(response.status, 504);
    assert.match((await response.json()).error.message, /header-timeout/);
  });

  test("the header timeout never cuts a running stream; silence is filled with keep-alive comments", async () => {
    h = createHarness({ argv: ["--header-timeout", "200ms", "--keep-alive", "100ms"] });
    h.emulator.enqueue("text", { stallMs: 700, stallAfterEvents: 3 });
    const response = await h.post("/v1/responses", { input: "x", stream: true });
    const text = await response.text();
    assert.ok((text.match(/^: keep-alive$/gm) ?? []).length >= 3, text.slice(0, 200));
    assert.match(text, /response\.completed/);
  });

  test("a client abort reaches the backend: the emulator sees a closed stream", async () => {
    h = createHarness();
    h.emulator.enqueue("slow", { delayBetweenEventsMs: 50 });
    const response = await h.post("/v1/responses", { input: "x", stream: true });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    await reader.cancel();
    for (let i = 0; i < 50 && !h.emulator.calls.at(-1)?.aborted; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(h.emulator.calls.at(-1)?.aborted, true);
    assert.equal(h.emulator.openStreams(), 0);
  });

  test("bad bodies get a 400 with param naming the field", async () => {
    h = createHarness();
    const cases: [string | Json, string | null][] = [
      ["{not json", null],
      ["[1,2]", null],
      [{ input: 5 }, "input"],
      [{ input: "x", model: 7 }, "model"],
      [{ input: "x", tools: "all" }, "tools"],
      [{ input: "x", stream: "yes" }, "stream"],
      [{ input: "x", include: [1] }, "include[0]"],
    ];
    for (const [body, param] of cases) {
      const response = await h.post("/v1/responses", body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal((await response.json()).error.param, param);
    }
    assert.equal(h.emulator.calls.length, 0);
  });
});
