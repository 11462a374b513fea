// The Anthropic dialect through the real runtime entry on a socket (issue 17 items 1, 2, 5 and "Bad input and
// failure"): the entry process in front of the emulator on loopback, driven with plain fetch as Claude Code and the
// Anthropic SDK would (x-api-key, anthropic-version, anthropic-beta, ?beta=true).
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { Emulator } from "./emulator/index.ts";
import type { SpawnedProxy } from "./support/spawn-proxy.ts";
import { type ProxyOverEmulator, startProxyOverEmulator } from "./support/proxy-over-emulator.ts";
import { RUNTIME } from "./support/runtime.ts";
import { readSse } from "./support/harness.ts";

type Json = Record<string, any>;
const KEY = "messages-socket-key";
const ANTHROPIC = { "anthropic-version": "2023-06-01", "anthropic-beta": "claude-code-20250219,interleaved-thinking-2025-05-14,anything-at-all" };
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
const weather = { name: "get_weather", description: "Weather", input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } };
const ask = (content: unknown, extra: Json = {}) => ({ model: "claude-sonnet-4-5", max_tokens: 1024, messages: [{ role: "user", content }], ...extra });

describe(`Anthropic Messages over a socket on ${RUNTIME}`, () => {
  let emulator: Emulator;
  let proxy: SpawnedProxy;
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${proxy.url}${path}`, {
      method: "POST",
      headers: { "x-api-key": KEY, "content-type": "application/json", ...ANTHROPIC, ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  const lastBody = (): Json => emulator.calls.at(-1)?.body as Json;
  const anthropicError = async (response: Response, status: number, type: string): Promise<string> => {
    const body = (await response.json()) as Json;
    assert.equal(response.status, status, JSON.stringify(body));
    assert.deepEqual(Object.keys(body), ["type", "error"]);
    assert.equal(body.type, "error");
    assert.equal(body.error.type, type);
    return body.error.message as string;
  };

  let setup: ProxyOverEmulator | undefined;
  before(async () => {
    setup = await startProxyOverEmulator("messages-socket", ["--api-key", KEY]);
    ({ emulator, proxy } = setup);
  });
  after(() => setup?.close());

  test("HEAD / and GET / answer 200 with an empty body and nothing that names the server, key or no key", async () => {
    for (const method of ["HEAD", "GET"]) {
      for (const headers of [{}, { "x-api-key": KEY }, { "x-api-key": "wrong" }, { authorization: "Bearer wrong" }] as Record<string, string>[]) {
        const response = await fetch(`${proxy.url}/`, { method, headers });
        assert.equal(response.status, 200, `${method} ${JSON.stringify(headers)}`);
        assert.equal(await response.text(), "");
        for (const name of ["server", "x-powered-by", "www-authenticate", "content-type"]) assert.equal(response.headers.get(name), null, `${method}: ${name}`);
      }
    }
    const models = await fetch(`${proxy.url}/v1/models`, { headers: { "x-api-key": "wrong", ...ANTHROPIC } });
    await anthropicError(models, 401, "authentication_error");
  });

  test("a streaming turn with x-api-key and ?beta=true: Anthropic's event grammar on the wire", async () => {
    emulator.enqueue("text", { text: "over the socket", deltas: 4 });
    const response = await post("/v1/messages?beta=true", ask("hi", { stream: true }));
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);
    const frames = await readSse(response);
    const types = frames.map((frame) => frame.event);
    assert.deepEqual(types.slice(0, 3), ["message_start", "ping", "content_block_start"]);
    assert.deepEqual(types.slice(-3), ["content_block_stop", "message_delta", "message_stop"]);
    const text = frames
      .filter((f) => f.event === "content_block_delta")
      .map((f) => (f.data as Json).delta.text)
      .join("");
    assert.equal(text, "over the socket");
    assert.equal((frames[0]?.data as Json).message.model, "claude-sonnet-4-5");
  });

  test("malformed bodies: Anthropic 400s naming the field, nothing upstream, and the server keeps serving", async () => {
    const big = "A".repeat(Math.ceil((5 * 1024 * 1024 + 10) / 3) * 4);
    const cases: [unknown, RegExp][] = [
      [{ model: "claude-sonnet-4-5", messages: [{ role: "user", content: "hi" }] }, /'max_tokens'/],
      [{ model: "claude-sonnet-4-5", max_tokens: 5 }, /'messages'/],
      [{ model: "claude-sonnet-4-5", max_tokens: 5, messages: [] }, /'messages'.*>=1/],
      [ask([{ type: "video", url: "x" }]), /messages\[0\]\.content\[0\]\.type/],
      [
        ask([{ type: "tool_use", id: "toolu_1", name: "x", input: {} }]),
        /^messages\[0\]\.content\[0\]\.type: "tool_use" blocks are only allowed in assistant messages/,
      ],
      [
        ask([{ type: "image", source: { type: "base64", media_type: "image/png", data: big } }]),
        /^messages\[0\]\.content\[0\]\.source\.data: image exceeds 5 MB maximum/,
      ],
      [
        {
          ...ask("hi"),
          messages: [
            { role: "user", content: "hi" },
            { role: "assistant", content: "ok" },
            {
              role: "user",
              content: [
                { type: "text", text: "result:" },
                { type: "tool_result", tool_use_id: "toolu_nowhere", content: "x" },
              ],
            },
          ],
        },
        /^messages\[2\]\.content\[1\]\.tool_use_id: no tool_use block with id "toolu_nowhere"/,
      ],
      ["{not json", /not valid JSON/],
    ];
    const before = emulator.calls.length;
    for (const [body, pattern] of cases) assert.match(await anthropicError(await post("/v1/messages", body), 400, "invalid_request_error"), pattern);
    assert.equal(emulator.calls.length, before, "nothing reached the backend");
    emulator.enqueue("text", { text: "still serving" });
    const after = (await (await post("/v1/messages", ask("hi"))).json()) as Json;
    assert.equal(after.content[0].text, "still serving");
  });

  test("output_config.format (JSON schema) reaches the backend as text.format", async () => {
    const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false };
    emulator.enqueue("text", { text: '{"city":"Oslo"}' });
    const response = await post("/v1/messages", ask("city?", { output_config: { format: { type: "json_schema", schema } } }));
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as Json).content[0].text, '{"city":"Oslo"}');
    assert.deepEqual(lastBody().text, { format: { type: "json_schema", name: "output", strict: false, schema } });
  });

  test("a web_search_* server tool becomes the backend's web_search; other Anthropic-defined tools are dropped", async () => {
    emulator.enqueue("text", { text: "searched" });
    const tools = [weather, { type: "web_search_20250305", name: "web_search", max_uses: 3 }, { type: "bash_20250124", name: "bash" }];
    const response = await post("/v1/messages", ask("news?", { tools }));
    assert.equal(response.status, 200);
    await response.text();
    assert.deepEqual(
      lastBody().tools.map((tool: Json) => tool.type),
      ["function", "web_search"],
    );
  });

  test("an image inside a tool_result reaches the backend inside the function_call_output", async () => {
    emulator.enqueue("text", { text: "a red dot" });
    const messages = [
      { role: "user", content: "screenshot, please" },
      { role: "assistant", content: [{ type: "tool_use", id: "toolu_shot", name: "get_weather", input: { city: "x" } }] },
      {
        role: "user",
        content: [
          {
            type: "tool_result",
            tool_use_id: "toolu_shot",
            content: [
              { type: "text", text: "here" },
              { type: "image", source: { type: "base64", media_type: "image/png", data: PNG } },
            ],
          },
        ],
      },
    ];
    const response = await post("/v1/messages", { ...ask("x", { tools: [weather] }), messages });
    assert.equal(response.status, 200);
    await response.text();
    const output = (lastBody().input as Json[]).find((item) => item.type === "function_call_output");
    assert.deepEqual(output?.output, [
      { type: "input_text", text: "here" },
      { type: "input_image", image_url: `data:image/png;base64,${PNG}`, detail: "auto" },
    ]);
  });

  test("redacted_thinking with a signature this proxy issued replays the reasoning; a foreign one is dropped", async () => {
    const thinking = { type: "enabled", budget_tokens: 2000 };
    const first = await readSse(await post("/v1/messages", ask("[[emu:reasoning-text]] 17 × 23?", { stream: true, thinking })));
    const signature = (first.find((f) => (f.data as Json).delta?.type === "signature_delta")?.data as Json).delta.signature as string;
    assert.match(signature, /^godex:reasoning:v1:/);
    for (const [data, replayed] of [
      [signature, true],
      ["EqQBCkYIBRgCKkBforeignAnthropicSignature==", false],
    ] as const) {
      emulator.enqueue("text", { text: "408" });
      const messages = [
        { role: "user", content: "[[emu:reasoning-text]] 17 × 23?" },
        {
          role: "assistant",
          content: [
            { type: "redacted_thinking", data },
            { type: "text", text: "391" },
          ],
        },
        { role: "user", content: "and 17 × 24?" },
      ];
      const response = await post("/v1/messages", { ...ask("x", { thinking }), messages });
      assert.equal(response.status, 200, "the emulator checks a replayed blob (R20)");
      await response.text();
      const reasoning = (lastBody().input as Json[]).filter((item) => item.type === "reasoning");
      if (replayed) assert.deepEqual(reasoning, [{ type: "reasoning", summary: [], encrypted_content: signature.slice("godex:reasoning:v1:".length) }]);
      else assert.deepEqual(reasoning, []);
    }
  });

  test("count_tokens answers from the tokenizer loaded in the entry, nothing upstream", async () => {
    const before = emulator.calls.length;
    const response = await post("/v1/messages/count_tokens?beta=true", { model: "claude-sonnet-4-5", messages: [{ role: "user", content: "Hello, world" }] });
    assert.equal(response.status, 200);
    const body = (await response.json()) as Json;
    assert.deepEqual(Object.keys(body), ["input_tokens"]);
    assert.ok(body.input_tokens > 0 && body.input_tokens < 20, String(body.input_tokens));
    assert.equal(emulator.calls.length, before);
  });

  test("GET /v1/models with anthropic-version: Anthropic's list of claude ids; without it, OpenAI's", async () => {
    const anthropic = (await (await fetch(`${proxy.url}/v1/models`, { headers: { "x-api-key": KEY, ...ANTHROPIC } })).json()) as Json;
    assert.deepEqual(Object.keys(anthropic).sort(), ["data", "first_id", "has_more", "last_id"]);
    assert.deepEqual(
      anthropic.data.map((model: Json) => model.id),
      ["claude-opus", "claude-sonnet", "claude-haiku"],
    );
    for (const model of anthropic.data) assert.deepEqual(Object.keys(model).sort(), ["created_at", "display_name", "id", "type"]);
    const openai = (await (await fetch(`${proxy.url}/v1/models`, { headers: { "x-api-key": KEY } })).json()) as Json;
    assert.equal(openai.object, "list");
  });
});
