// The Anthropic dialect through the in-process proxy and emulator (issue 17 items 1, 3–6, bad input and failure).
import { afterEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { API_KEY, createHarness, readSse, type Harness } from "./support/harness.ts";

type Json = Record<string, any>;
let h: Harness | undefined;
afterEach(() => h?.close());

const ANTHROPIC = { "anthropic-version": "2023-06-01", "anthropic-beta": "claude-code-20250219,whatever-2099-01-01" };
const weather = { name: "get_weather", description: "Weather", input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } };
const post = (harness: Harness, body: unknown, headers: Record<string, string> = {}, path = "/v1/messages?beta=true") =>
  harness.proxy.fetch(
    new Request(`http://proxy.test${path}`, {
      method: "POST",
      headers: { "x-api-key": API_KEY, "content-type": "application/json", ...ANTHROPIC, ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    }),
    { remoteAddress: "127.0.0.1" },
  );
const message = (content: unknown, extra: Json = {}) => ({ model: "claude-sonnet-4-5", max_tokens: 1024, messages: [{ role: "user", content }], ...extra });
const events = async (response: Response) => {
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);
  const frames = await readSse(response);
  for (const frame of frames) assert.equal(frame.event, (frame.data as Json).type, "event: line equals data.type");
  return frames.map((frame) => frame.data as Json);
};
const lastBody = (harness: Harness): Json => harness.emulator.calls.at(-1)?.body as Json;
const assertAnthropicError = async (response: Response, status: number, type: string): Promise<string> => {
  assert.equal(response.status, status);
  const body = (await response.json()) as Json;
  assert.equal(body.type, "error");
  assert.equal(body.error.type, type);
  assert.deepEqual(Object.keys(body), ["type", "error"]);
  return body.error.message as string;
};

describe("client key", () => {
  test("x-api-key carries the key as Authorization: Bearer does; a wrong one is a 401, Anthropic-shaped on /v1/messages", async () => {
    h = createHarness();
    const ok = await h.proxy.fetch(new Request("http://proxy.test/v1/models", { headers: { "x-api-key": API_KEY } }));
    assert.equal(ok.status, 200);
    const wrong = await h.proxy.fetch(new Request("http://proxy.test/v1/models", { headers: { "x-api-key": "nope" } }));
    assert.equal(wrong.status, 401);
    const none = await h.proxy.fetch(new Request("http://proxy.test/v1/models"));
    assert.equal(none.status, 401);
    assert.match(((await none.json()) as Json).error.message, /x-api-key/);
    const bearer = await post(h, message("hi"), { "x-api-key": "", authorization: `Bearer ${API_KEY}` });
    assert.equal(bearer.status, 200);
    await bearer.text();
    await assertAnthropicError(await post(h, message("hi"), { "x-api-key": "wrong" }), 401, "authentication_error");
  });

  test("--allow-any-key accepts any x-api-key or none", async () => {
    h = createHarness({ argv: ["--allow-any-key"] });
    h.emulator.enqueue("text", { text: "ok" });
    const response = await post(h, message("hi", { stream: false }), { "x-api-key": "anything" });
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as Json).content[0].text, "ok");
  });

  test("HEAD / and GET / answer 200 with an empty body, with or without a key", async () => {
    h = createHarness();
    for (const method of ["HEAD", "GET"]) {
      for (const headers of [{}, { "x-api-key": API_KEY }, { "x-api-key": "wrong" }] as Record<string, string>[]) {
        const response = await h.proxy.fetch(new Request("http://proxy.test/", { method, headers }));
        assert.equal(response.status, 200, `${method} ${JSON.stringify(headers)}`);
        assert.equal(await response.text(), "");
      }
    }
  });
});

describe("POST /v1/messages", () => {
  test("text, streaming: Anthropic's event grammar, the requested model echoed, usage from the backend", async () => {
    h = createHarness();
    h.emulator.enqueue("text", { text: "Bonjour à tous", deltas: 3 });
    const out = await events(await post(h, message("Say hello", { stream: true, system: "Be brief." })));
    assert.deepEqual(
      out.map((e) => e.type),
      [
        "message_start",
        "ping",
        "content_block_start",
        "content_block_delta",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
      ],
    );
    assert.equal(out[0]?.message.model, "claude-sonnet-4-5");
    assert.match(out[0]?.message.id, /^msg_/);
    assert.equal(
      out
        .filter((e) => e.type === "content_block_delta")
        .map((e) => e.delta.text)
        .join(""),
      "Bonjour à tous",
    );
    assert.equal(out[7]?.delta.stop_reason, "end_turn");
    // The exact mapping from recorded usage is in messages-golden.test.ts; here: the backend's counts arrived.
    assert.ok(out[7]?.usage.input_tokens > 0 && out[7]?.usage.output_tokens > 0);
    const body = lastBody(h);
    assert.equal(body.model, h.config.model, "sonnet → --model");
    assert.equal(body.instructions, "Be brief.");
    assert.deepEqual(body.input, [{ type: "message", role: "user", content: [{ type: "input_text", text: "Say hello" }] }]);
    assert.equal(body.max_tokens, undefined);
  });

  test("text, non-streaming: one Message object", async () => {
    h = createHarness();
    h.emulator.enqueue("text", { text: "plain" });
    const response = await post(h, message("hi"), {}, "/v1/messages");
    assert.equal(response.status, 200);
    const body = (await response.json()) as Json;
    assert.equal(body.type, "message");
    assert.equal(body.role, "assistant");
    assert.equal(body.model, "claude-sonnet-4-5");
    assert.deepEqual(body.content, [{ type: "text", text: "plain" }]);
    assert.equal(body.stop_reason, "end_turn");
    assert.equal(body.stop_sequence, null);
    assert.equal(typeof body.usage.input_tokens, "number");
  });

  test("Claude Code's request shape: billing header dropped; the system message after the first user message stays in place as a developer message, never a system item", async () => {
    h = createHarness();
    h.emulator.enqueue("text", { text: "hello" });
    const response = await post(h, {
      model: "claude-opus-5-5",
      max_tokens: 128000,
      stream: true,
      system: [
        { type: "text", text: "x-anthropic-billing-header: cc_version=2.1.332.1c9; cc_entrypoint=sdk-cli; cch=4f1a2;" },
        { type: "text", text: "You are a Claude agent.", cache_control: { type: "ephemeral" } },
      ],
      messages: [
        { role: "user", content: [{ type: "text", text: "say hello" }] },
        { role: "system", content: [{ type: "text", text: "# Environment\nPrimary working directory: /w", cache_control: { type: "ephemeral" } }] },
      ],
      thinking: { type: "adaptive", display: "omitted" },
      context_management: { edits: [{ type: "clear_thinking_20251015", keep: "all" }] },
      output_config: { effort: "medium" },
      metadata: { user_id: '{"device_id":"d","session_id":"s"}' },
    });
    await events(response);
    const body = lastBody(h);
    assert.equal(body.instructions, "You are a Claude agent.");
    assert.deepEqual(body.input[1], {
      type: "message",
      role: "developer",
      content: [{ type: "input_text", text: "# Environment\nPrimary working directory: /w" }],
    });
    assert.equal(body.model, "gpt-5.5");
    assert.deepEqual(body.reasoning, { effort: "medium" });
    assert.ok(body.input.every((item: Json) => item.role !== "system"));
    assert.equal(body.context_management, undefined);
    assert.equal(body.metadata, undefined);
  });

  test("tool round trip: tool_use block with the call id; the follow-up pairs; a dropped tool_use comes back from session memory", async () => {
    h = createHarness();
    const session = { "x-claude-code-session-id": "cc-session-1" };
    const first = message('CALL_TOOL get_weather {"city":"Oslo"}', { tools: [weather], stream: true });
    const out = await events(await post(h, first, session));
    const start = out.find((e) => e.type === "content_block_start" && e.content_block.type === "tool_use");
    assert.ok(start, "a tool_use block");
    assert.equal(start.content_block.name, "get_weather");
    assert.match(start.content_block.id, /^call_/);
    const args = out
      .filter((e) => e.type === "content_block_delta" && e.delta.type === "input_json_delta")
      .map((e) => e.delta.partial_json)
      .join("");
    assert.deepEqual(JSON.parse(args), { city: "Oslo" });
    assert.equal(out.find((e) => e.type === "message_delta")?.delta.stop_reason, "tool_use");
    const id = start.content_block.id as string;

    const full = {
      ...first,
      stream: false,
      messages: [
        first.messages[0],
        { role: "assistant", content: [{ type: "tool_use", id, name: "get_weather", input: { city: "Oslo" } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: id, content: "sunny" }] },
      ],
    };
    const second = (await (await post(h, full, session)).json()) as Json;
    assert.equal(second.content[0].text, "tool said: sunny");
    const paired = lastBody(h).input as Json[];
    assert.deepEqual(paired.slice(1), [
      { type: "function_call", call_id: id, name: "get_weather", arguments: '{"city":"Oslo"}' },
      { type: "function_call_output", call_id: id, output: "sunny" },
    ]);

    const dropped = { ...full, messages: [first.messages[0], full.messages[2]] };
    const third = await post(h, dropped, session);
    assert.equal(third.status, 200);
    assert.equal(((await third.json()) as Json).content[0].text, "tool said: sunny");
    assert.equal((lastBody(h).input as Json[])[1]?.type, "function_call", "re-inserted from the session's memory");

    const calls = h.emulator.calls.length;
    const other = await post(h, dropped, { "x-claude-code-session-id": "another-session" });
    const text = await assertAnthropicError(other, 400, "invalid_request_error");
    assert.match(text, new RegExp(id));
    assert.equal(h.emulator.calls.length, calls, "nothing reached the backend");
  });

  test("thinking: summaries as a thinking block whose signature replays the backend's encrypted reasoning next turn", async () => {
    h = createHarness();
    const thinking = { type: "enabled", budget_tokens: 8000 };
    const out = await events(await post(h, message("[[emu:reasoning-text]] 17 × 23?", { stream: true, thinking })));
    const block = out.find((e) => e.type === "content_block_start")?.content_block;
    assert.equal(block?.type, "thinking");
    const text = out
      .filter((e) => e.delta?.type === "thinking_delta")
      .map((e) => e.delta.thinking)
      .join("");
    assert.ok(text.length > 0, "summary text");
    const signature = out.find((e) => e.delta?.type === "signature_delta")?.delta.signature as string;
    assert.match(signature, /^godex:reasoning:v1:gAAAA/);
    assert.deepEqual(lastBody(h).reasoning, { effort: "medium", summary: "auto" });
    const answer = out
      .filter((e) => e.delta?.type === "text_delta")
      .map((e) => e.delta.text)
      .join("");

    h.emulator.enqueue("text", { text: "408" });
    const next = await post(h, {
      ...message("x", { thinking, stream: false }),
      messages: [
        { role: "user", content: "[[emu:reasoning-text]] 17 × 23?" },
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: text, signature },
            { type: "text", text: answer },
          ],
        },
        { role: "user", content: "and 17 × 24?" },
      ],
    });
    assert.equal(next.status, 200, "the emulator verified the replayed blob (R20)");
    const replay = (lastBody(h).input as Json[])[1];
    assert.equal(replay?.type, "reasoning");
    assert.equal(replay?.encrypted_content, signature.slice("godex:reasoning:v1:".length));
  });

  test("images and a PDF reach the backend as input_image / input_file", async () => {
    h = createHarness();
    h.emulator.enqueue("text", { text: "ok" });
    const png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
    const response = await post(
      h,
      message(
        [
          { type: "image", source: { type: "base64", media_type: "image/png", data: png } },
          { type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBERi0xLjQK" }, title: "a.pdf" },
          { type: "text", text: "describe" },
        ],
        { stream: false },
      ),
    );
    assert.equal(response.status, 200);
    assert.deepEqual(
      lastBody(h).input[0].content.map((part: Json) => part.type),
      ["input_image", "input_file", "input_text"],
    );
    assert.equal(lastBody(h).input[0].content[0].image_url, `data:image/png;base64,${png}`);
  });
});

describe("errors in Anthropic's shape", () => {
  test("bad input: a 400 naming the field, nothing upstream", async () => {
    h = createHarness();
    const big = "A".repeat(Math.ceil((5 * 1024 * 1024 + 10) / 3) * 4);
    const cases: [unknown, RegExp][] = [
      [{ model: "claude-sonnet-4-5", messages: [{ role: "user", content: "hi" }] }, /max_tokens/],
      [{ model: "claude-sonnet-4-5", max_tokens: 5 }, /messages/],
      [{ model: "claude-sonnet-4-5", max_tokens: 5, messages: [] }, /messages/],
      [message([{ type: "video", url: "x" }]), /messages\[0\]\.content\[0\]\.type/],
      [
        message([{ type: "image", source: { type: "base64", media_type: "image/png", data: big } }]),
        /messages\[0\]\.content\[0\]\.source\.data: image exceeds 5 MB maximum/,
      ],
      [message([{ type: "tool_result", tool_use_id: "toolu_unknown", content: "x" }]), /toolu_unknown/],
      ["{not json", /not valid JSON/],
    ];
    for (const [body, pattern] of cases) {
      const text = await assertAnthropicError(await post(h, body), 400, "invalid_request_error");
      assert.match(text, pattern);
    }
    assert.equal(h.emulator.calls.length, 0);
    h.emulator.enqueue("text", { text: "still serving" });
    assert.equal(((await (await post(h, message("hi", { stream: false }))).json()) as Json).content[0].text, "still serving");
  });

  test("context length before any output: HTTP 400 `prompt is too long`, streaming or not", async () => {
    h = createHarness();
    for (const stream of [true, false]) {
      h.emulator.enqueue("failed", { failCode: "context_length_exceeded", afterEvents: 2 });
      const text = await assertAnthropicError(await post(h, message("long", { stream })), 400, "invalid_request_error");
      assert.match(text, /^prompt is too long/);
    }
  });

  test("usage limit: 429 rate_limit_error with retry-after, the reset time and x-should-retry: false", async () => {
    h = createHarness();
    h.emulator.enqueue("usage-limit");
    const response = await post(h, message("hi", { stream: true }));
    assert.ok(Number(response.headers.get("retry-after")) > 0);
    assert.equal(response.headers.get("x-should-retry"), "false");
    const text = await assertAnthropicError(response, 429, "rate_limit_error");
    assert.match(text, /resets at \d{4}-\d\d-\d\dT/);
  });

  test("the backend's 503 is 529 overloaded_error; a 500 is api_error", async () => {
    h = createHarness();
    h.emulator.enqueue("http-error", { httpError: "overloaded-503" });
    await assertAnthropicError(await post(h, message("hi")), 529, "overloaded_error");
    h.emulator.enqueue("http-error", { httpError: "internal-500" });
    await assertAnthropicError(await post(h, message("hi")), 502, "api_error");
  });

  test("a failure after output began is one `event: error`, then the stream ends", async () => {
    h = createHarness();
    h.emulator.enqueue("failed", { failCode: "server_is_overloaded", afterEvents: 6 });
    const out = await events(await post(h, message("hi", { stream: true })));
    assert.equal(out.at(-1)?.type, "error");
    assert.equal(out.at(-1)?.error.type, "overloaded_error");
    assert.equal(out.filter((e) => e.type === "error").length, 1);
    assert.ok(!out.some((e) => e.type === "message_stop"));
  });

  test("an unknown path with anthropic-version is a not_found_error", async () => {
    h = createHarness();
    const response = await h.proxy.fetch(new Request("http://proxy.test/v1/messages/batches", { headers: { "x-api-key": API_KEY, ...ANTHROPIC } }));
    await assertAnthropicError(response, 404, "not_found_error");
  });
});

describe("count_tokens and models", () => {
  test("count_tokens: {input_tokens} from the local tokenizer, growing with the input, nothing upstream", async () => {
    h = createHarness();
    const count = async (body: unknown) => {
      const response = await post(h as Harness, body, {}, "/v1/messages/count_tokens?beta=true");
      assert.equal(response.status, 200);
      const json = (await response.json()) as Json;
      assert.deepEqual(Object.keys(json), ["input_tokens"]);
      return json.input_tokens as number;
    };
    const short = await count({ model: "claude-sonnet-4-5", messages: [{ role: "user", content: "hello" }] });
    const long = await count({ model: "claude-sonnet-4-5", messages: [{ role: "user", content: "hello ".repeat(100) }], tools: [weather] });
    assert.ok(short > 0 && short < 20, `short: ${short}`);
    assert.ok(long > short + 90, `long: ${long}`);
    assert.equal(h.emulator.calls.length, 0);
  });

  test("GET /v1/models answers in Anthropic's list shape when anthropic-version is sent, else OpenAI's", async () => {
    h = createHarness();
    const anthropic = (await (await h.get("/v1/models", ANTHROPIC)).json()) as Json;
    assert.equal(anthropic.has_more, false);
    assert.ok(anthropic.data.length >= 3);
    for (const model of anthropic.data) {
      assert.equal(model.type, "model");
      assert.match(model.id, /^claude/);
      assert.equal(typeof model.display_name, "string");
      assert.match(model.created_at, /^\d{4}-\d\d-\d\dT/);
    }
    assert.equal(anthropic.first_id, anthropic.data[0].id);
    const openai = (await (await h.get("/v1/models")).json()) as Json;
    assert.equal(openai.object, "list");
  });
});
