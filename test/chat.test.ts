// POST /v1/chat/completions against the emulator (issue #5 item 5): both directions end to end.
import { describe, test, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createHarness, readSse, type Harness } from "./support/harness.ts";

type Json = Record<string, any>;
const lastBody = (h: Harness): Json => h.emulator.calls.at(-1)?.body as Json;
const weatherTool = {
  type: "function",
  function: { name: "get_weather", description: "Weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
};
const chunksOf = async (response: Response) => {
  assert.equal(response.status, 200);
  const frames = await readSse(response);
  assert.equal(frames.at(-1)?.data, "[DONE]");
  return frames.slice(0, -1).map((f) => f.data as Json);
};

describe("POST /v1/chat/completions", () => {
  let h: Harness;
  afterEach(() => h?.close());

  test("text, streaming: role first, content deltas, one finish chunk with stop, stable id/created/model", async () => {
    h = createHarness();
    h.emulator.enqueue("text", { text: "Bonjour à tous", deltas: 4 });
    const chunks = await chunksOf(await h.post("/v1/chat/completions", { model: "gpt-5.4", stream: true, messages: [{ role: "user", content: "hi" }] }));
    assert.equal(chunks[0]?.choices[0].delta.role, "assistant");
    assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? "").join(""), "Bonjour à tous");
    assert.deepEqual(
      chunks.filter((c) => c.choices[0]?.finish_reason).map((c) => c.choices[0].finish_reason),
      ["stop"],
    );
    assert.equal(new Set(chunks.map((c) => c.id)).size, 1);
    assert.ok(chunks.every((c) => c.object === "chat.completion.chunk" && c.model === "gpt-5.4" && typeof c.created === "number"));
    assert.ok(!chunks.some((c) => c.usage), "no usage chunk unless asked");
  });

  test("text, non-streaming: a chat.completion with usage", async () => {
    h = createHarness();
    h.emulator.enqueue("text", { text: "plain answer" });
    const response = await h.post("/v1/chat/completions", { messages: [{ role: "user", content: "hi" }] });
    const body = await response.json();
    assert.equal(body.object, "chat.completion");
    assert.deepEqual(body.choices[0].message, { role: "assistant", content: "plain answer" });
    assert.equal(body.choices[0].finish_reason, "stop");
    assert.equal(body.usage.total_tokens, body.usage.prompt_tokens + body.usage.completion_tokens);
  });

  test("tool call, streaming and not: ids, type, name, arguments and finish_reason tool_calls", async () => {
    h = createHarness();
    const messages = [{ role: "user", content: 'CALL_TOOL get_weather {"city":"Oslo"}' }];
    const chunks = await chunksOf(await h.post("/v1/chat/completions", { stream: true, messages, tools: [weatherTool] }));
    const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    assert.equal(calls[0].type, "function");
    assert.equal(calls[0].function.name, "get_weather");
    assert.match(calls[0].id, /^call_/);
    assert.ok(calls.every((c: Json) => c.index === 0));
    assert.equal(calls.map((c: Json) => c.function.arguments).join(""), '{"city":"Oslo"}');
    assert.equal(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0].finish_reason, "tool_calls");
    const whole = await (await h.post("/v1/chat/completions", { messages, tools: [weatherTool] })).json();
    assert.equal(whole.choices[0].message.content, null);
    assert.equal(whole.choices[0].message.tool_calls[0].type, "function");
    assert.equal(whole.choices[0].message.tool_calls[0].function.arguments, '{"city":"Oslo"}');
    assert.equal(whole.choices[0].finish_reason, "tool_calls");
    assert.deepEqual(lastBody(h).tools, [
      { type: "function", name: "get_weather", description: "Weather", parameters: weatherTool.function.parameters, strict: false },
    ]);
  });

  test("full tool round trip: assistant tool_calls + tool message become function_call + function_call_output", async () => {
    h = createHarness();
    const first = await (
      await h.post("/v1/chat/completions", {
        messages: [
          { role: "system", content: "Be a weather bot." },
          { role: "user", content: 'CALL_TOOL get_weather {"city":"Oslo"}' },
        ],
        tools: [weatherTool],
      })
    ).json();
    const call = first.choices[0].message.tool_calls[0];
    const second = await (
      await h.post("/v1/chat/completions", {
        messages: [
          { role: "system", content: "Be a weather bot." },
          { role: "user", content: 'CALL_TOOL get_weather {"city":"Oslo"}' },
          { role: "assistant", content: null, tool_calls: [call] },
          { role: "tool", tool_call_id: call.id, content: "-3C, snow" },
        ],
        tools: [weatherTool],
      })
    ).json();
    const input = lastBody(h).input;
    assert.deepEqual(input.slice(-2), [
      { type: "function_call", call_id: call.id, name: "get_weather", arguments: '{"city":"Oslo"}' },
      { type: "function_call_output", call_id: call.id, output: "-3C, snow" },
    ]);
    assert.equal(second.choices[0].message.content, "tool said: -3C, snow");
  });

  test("a follow-up whose assistant tool_calls message was dropped gets the call back from memory", async () => {
    h = createHarness();
    const first = await (
      await h.post("/v1/chat/completions", {
        user: "chat-s",
        messages: [{ role: "user", content: 'CALL_TOOL get_weather {"city":"Rome"}' }],
        tools: [weatherTool],
      })
    ).json();
    const call = first.choices[0].message.tool_calls[0];
    const second = await h.post("/v1/chat/completions", {
      user: "chat-s",
      messages: [{ role: "tool", tool_call_id: call.id, content: "sunny" }],
      tools: [weatherTool],
    });
    assert.equal(second.status, 200);
    assert.deepEqual(lastBody(h).input[0], { type: "function_call", call_id: call.id, name: "get_weather", arguments: '{"city":"Rome"}' });
  });

  test("parallel tool calls stream with indexes 0 and 1", async () => {
    h = createHarness();
    h.emulator.enqueue("parallel-tool-calls", {
      calls: [
        { name: "get_weather", arguments: '{"city":"A"}' },
        { name: "get_weather", arguments: '{"city":"B"}' },
      ],
    });
    const chunks = await chunksOf(
      await h.post("/v1/chat/completions", {
        stream: true,
        parallel_tool_calls: true,
        messages: [{ role: "user", content: "two cities" }],
        tools: [weatherTool],
      }),
    );
    const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    const starts = calls.filter((c: Json) => c.id);
    assert.deepEqual(
      starts.map((c: Json) => c.index),
      [0, 1],
    );
    for (const index of [0, 1]) {
      assert.equal(
        calls
          .filter((c: Json) => c.index === index)
          .map((c: Json) => c.function.arguments)
          .join(""),
        `{"city":"${index ? "B" : "A"}"}`,
      );
    }
    assert.equal(lastBody(h).parallel_tool_calls, true);
  });

  test("images (URL and data URL) become input_image parts", async () => {
    h = createHarness();
    const data = "data:image/png;base64,iVBORw0KGgo=";
    assert.equal(
      (
        await h.post("/v1/chat/completions", {
          messages: [
            {
              role: "user",
              content: [
                { type: "text", text: "what is this?" },
                { type: "image_url", image_url: { url: "https://example.test/cat.png", detail: "low" } },
                { type: "image_url", image_url: { url: data } },
              ],
            },
          ],
        })
      ).status,
      200,
    );
    assert.deepEqual(lastBody(h).input[0].content, [
      { type: "input_text", text: "what is this?" },
      { type: "input_image", image_url: "https://example.test/cat.png", detail: "low" },
      { type: "input_image", image_url: data, detail: "auto" },
    ]);
  });

  test("response_format json_schema becomes text.format; sampling knobs never reach upstream", async () => {
    h = createHarness();
    const schema = { type: "object", properties: { a: { type: "string" } }, required: ["a"], additionalProperties: false };
    assert.equal(
      (
        await h.post("/v1/chat/completions", {
          model: "gpt-5.4",
          messages: [{ role: "user", content: "json please" }],
          response_format: { type: "json_schema", json_schema: { name: "thing", strict: true, schema } },
          temperature: 0.1,
          top_p: 0.5,
          max_tokens: 10,
          max_completion_tokens: 10,
          presence_penalty: 1,
          frequency_penalty: 1,
          seed: 4,
          logprobs: true,
        })
      ).status,
      200,
    );
    const body = lastBody(h);
    assert.deepEqual(body.text, { format: { type: "json_schema", name: "thing", strict: true, schema } });
    for (const key of [
      "temperature",
      "top_p",
      "max_tokens",
      "max_completion_tokens",
      "presence_penalty",
      "frequency_penalty",
      "seed",
      "logprobs",
      "response_format",
      "messages",
    ]) {
      assert.equal(body[key], undefined, key);
    }
  });

  test("include_usage adds one usage chunk with choices: [] after the finish chunk", async () => {
    h = createHarness();
    const chunks = await chunksOf(
      await h.post("/v1/chat/completions", { stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "hi" }] }),
    );
    const last = chunks.at(-1) as Json;
    assert.deepEqual(last.choices, []);
    assert.deepEqual(Object.keys(last.usage).sort(), [
      "completion_tokens",
      "completion_tokens_details",
      "prompt_tokens",
      "prompt_tokens_details",
      "total_tokens",
    ]);
    assert.equal(chunks.at(-2)?.choices[0].finish_reason, "stop");
  });

  test("system-only instructions are reused on later turns of the same session", async () => {
    h = createHarness();
    await (
      await h.post("/v1/chat/completions", {
        user: "sys-s",
        messages: [
          { role: "system", content: "Speak like a pirate." },
          { role: "user", content: "a" },
        ],
      })
    ).text();
    await (await h.post("/v1/chat/completions", { user: "sys-s", messages: [{ role: "user", content: "b" }] })).text();
    assert.equal(lastBody(h).instructions, "Speak like a pirate.");
    assert.ok(lastBody(h).input.every((i: Json) => i.role !== "system"));
  });

  test("chat sessions are keyed by prompt_cache_key when there is no user or session header", async () => {
    h = createHarness();
    await (
      await h.post("/v1/chat/completions", {
        prompt_cache_key: "pck-chat",
        messages: [
          { role: "system", content: "Chat rules." },
          { role: "user", content: "a" },
        ],
      })
    ).text();
    await (
      await h.post("/v1/chat/completions", { prompt_cache_key: "pck-chat", messages: [{ role: "user", content: "b" }] }, { remoteAddress: "10.7.7.7" })
    ).text();
    assert.equal(lastBody(h).instructions, "Chat rules.");
    assert.equal(lastBody(h).prompt_cache_key, "pck-chat");
  });

  test("finish_reason: length for max_output_tokens, content_filter for content filtering", async () => {
    h = createHarness();
    for (const [reason, expected] of [
      ["max_output_tokens", "length"],
      ["content_filter", "content_filter"],
    ] as const) {
      h.emulator.enqueue("incomplete", { incompleteReason: reason });
      const chunks = await chunksOf(await h.post("/v1/chat/completions", { stream: true, messages: [{ role: "user", content: "x" }] }));
      assert.deepEqual(
        chunks.filter((c) => c.choices[0]?.finish_reason).map((c) => c.choices[0].finish_reason),
        [expected],
      );
      h.emulator.enqueue("incomplete", { incompleteReason: reason });
      assert.equal((await (await h.post("/v1/chat/completions", { messages: [{ role: "user", content: "x" }] })).json()).choices[0].finish_reason, expected);
    }
  });

  test("a mid-stream failure ends with an error chunk then [DONE], no finish chunk", async () => {
    h = createHarness();
    h.emulator.enqueue("failed", { failCode: "server_is_overloaded" });
    const chunks = await chunksOf(await h.post("/v1/chat/completions", { stream: true, messages: [{ role: "user", content: "x" }] }));
    assert.equal(chunks.at(-1)?.error.code, "server_is_overloaded");
    assert.ok(!chunks.some((c) => c.choices?.[0]?.finish_reason));
    h.emulator.enqueue("disconnect", { afterEvents: 4 });
    const cut = await chunksOf(await h.post("/v1/chat/completions", { stream: true, messages: [{ role: "user", content: "x" }] }));
    assert.equal(cut.at(-1)?.error.code, "stream_truncated");
  });

  test("errors map as on /v1/responses: n > 1 is a 400 on n; a usage limit is a 429 with Retry-After", async () => {
    h = createHarness();
    const n = await h.post("/v1/chat/completions", { n: 2, messages: [{ role: "user", content: "x" }] });
    assert.equal(n.status, 400);
    assert.equal((await n.json()).error.param, "n");
    h.emulator.enqueue("usage-limit");
    const limited = await h.post("/v1/chat/completions", { stream: true, messages: [{ role: "user", content: "x" }] });
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get("retry-after")) > 0);
    const bad = await h.post("/v1/chat/completions", { messages: [{ role: "user", content: 5 }] });
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).error.param, "messages[0].content");
  });
});
