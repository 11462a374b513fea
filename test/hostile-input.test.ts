// What a hostile or careless client can send, over a real socket on every entry (issue 18; red team D15, D17):
// prototype-key model names, bodies with a million items, nesting deeper than any real request.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { Emulator } from "./emulator/index.ts";
import type { SpawnedProxy } from "./support/spawn-proxy.ts";
import { type ProxyOverEmulator, startProxyOverEmulator } from "./support/proxy-over-emulator.ts";
import { RUNTIME } from "./support/runtime.ts";

const KEY = "hostile-input-key";
const headers = { authorization: `Bearer ${KEY}`, "content-type": "application/json" };

describe(`hostile client input over a socket on ${RUNTIME}`, () => {
  let emulator: Emulator;
  let proxy: SpawnedProxy;
  const post = (path: string, body: unknown) =>
    fetch(`${proxy.url}${path}`, { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) });

  let setup: ProxyOverEmulator | undefined;
  before(async () => {
    setup = await startProxyOverEmulator("hostile", ["--api-key", KEY]);
    ({ emulator, proxy } = setup);
  });
  after(() => setup?.close());

  test("D17: model names that are Object.prototype members are unknown models, never a 500", async () => {
    for (const model of ["constructor", "toString", "hasOwnProperty-low", "constructor-high", "valueOf", "__proto__", "__proto__-high"]) {
      for (const [path, body] of [
        ["/v1/responses", { model, input: "x" }],
        ["/v1/chat/completions", { model, messages: [{ role: "user", content: "x" }] }],
        ["/v1/responses", { model, input: "x", reasoning: { effort: "high" } }],
      ] as const) {
        const response = await post(path, body);
        const text = await response.text();
        assert.notEqual(response.status, 500, `${model} on ${path}: ${text.slice(0, 200)}`);
        assert.equal(response.status, 400, `${model} on ${path}: ${response.status} ${text.slice(0, 200)}`);
        assert.equal(typeof JSON.parse(text).error.message, "string");
      }
    }
    assert.doesNotMatch(proxy.output(), /internal error|is not a function/);
  });

  test("D15: more input items, messages or tools than the limit is a 400 naming the field and the limit", async () => {
    const many = (n: number, make: (i: number) => unknown) => Array.from({ length: n }, (_, i) => make(i));
    const cases = [
      ["/v1/responses", { input: many(50_001, () => ({ role: "user", content: "x" })) }, "input", /50001 is more than this proxy's limit of 50000/],
      ["/v1/chat/completions", { messages: many(50_001, () => ({ role: "user", content: "x" })) }, "messages", /limit of 50000/],
      ["/v1/responses", { input: "x", tools: many(2_001, (i) => ({ type: "function", name: `f${i}`, parameters: {} })) }, "tools", /limit of 2000/],
      [
        "/v1/chat/completions",
        { messages: [{ role: "user", content: "x" }], tools: many(2_001, (i) => ({ type: "function", function: { name: `f${i}` } })) },
        "tools",
        /limit of 2000/,
      ],
    ] as const;
    const calls = emulator.calls.length;
    for (const [path, body, param, message] of cases) {
      const response = await post(path, body);
      const error = (await response.json()).error;
      assert.equal(response.status, 400, `${path} ${param}: ${error.message}`);
      assert.equal(error.code, "too_many_items");
      assert.equal(error.param, param);
      assert.match(error.message, message);
    }
    // Anthropic's dialect: the same limit in Anthropic's error shape.
    const messages = await post("/v1/messages", { model: "claude-sonnet-4-5", max_tokens: 10, messages: many(50_001, () => ({ role: "user", content: "x" })) });
    const anthropic = await messages.json();
    assert.equal(messages.status, 400);
    assert.equal(anthropic.type, "error");
    assert.equal(anthropic.error.type, "invalid_request_error");
    assert.match(anthropic.error.message, /50001 is more than this proxy's limit of 50000/);
    assert.equal(emulator.calls.length, calls, "nothing reached the backend");
    const response = await post("/v1/responses", { input: many(2_000, () => ({ role: "user", content: "x" })) });
    assert.equal(response.status, 200, "a long conversation is still served");
  });

  test("D17: nesting 100,000 levels deep in an item, a tool schema or an unknown key is a 400, never a 500 or a 502", async () => {
    const deep = (levels: number) => `${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`;
    const deepArray = (levels: number) => `${"[".repeat(levels)}${"]".repeat(levels)}`;
    const cases: [string, string][] = [
      [
        "/v1/chat/completions",
        `{"messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f","parameters":${deep(100_000)}}}]}`,
      ],
      ["/v1/responses", `{"input":"x","tools":[{"type":"function","name":"f","parameters":${deep(100_000)}}]}`],
      [
        "/v1/responses",
        `{"input":[{"type":"function_call","call_id":"c1","name":"f","arguments":"{}"},{"type":"function_call_output","call_id":"c1","output":${deepArray(100_000)}}]}`,
      ],
      ["/v1/responses", `{"input":"x","__proto__":${deep(100_000)}}`],
      ["/v1/responses", `{"input":"x","unknown":${deepArray(1_000_000)}}`],
    ];
    for (const [path, body] of cases) {
      const response = await post(path, body);
      const error = (await response.json()).error;
      assert.equal(response.status, 400, `${path} ${body.slice(0, 80)}: ${error.message}`);
      assert.equal(error.code, "nesting_too_deep");
    }
    const deepMessages = await post(
      "/v1/messages",
      `{"model":"claude-sonnet-4-5","max_tokens":10,"messages":[{"role":"user","content":"x"}],"tools":[{"name":"f","input_schema":${deep(100_000)}}]}`,
    );
    const anthropic = await deepMessages.json();
    assert.equal(deepMessages.status, 400);
    assert.equal(anthropic.type, "error");
    assert.match(anthropic.error.message, /nested more than 500 levels/);
    const schema = { type: "object", properties: { a: { type: "object", properties: { b: { type: "array", items: { type: "string" } } } } } };
    const ok = await post("/v1/chat/completions", {
      messages: [{ role: "user", content: "x" }],
      tools: [{ type: "function", function: { name: "f", parameters: schema } }],
    });
    assert.equal(ok.status, 200, "a real tool schema passes");
  });
});
