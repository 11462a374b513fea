// @anthropic-ai/sdk 1.16.0 in process through the proxy's Messages dialect (docs/anthropic.md): messages.create,
// messages.stream().finalMessage(), a tool round trip, countTokens and two error cases; the proxy under Node, Bun and Deno.
import { after, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import Anthropic, { AuthenticationError, BadRequestError } from "@anthropic-ai/sdk";
import { suiteName } from "../support/names.ts";
import { skipReason, versionLabel } from "../support/paths.ts";
import { PROXY_KEY, type ProxyRuntime, type Stack } from "../support/stack.ts";
import { createStacks, expectCallAndOutput, expectCalls, WEATHER_ANSWER, WEATHER_OUTPUT, WEATHER_PROMPT } from "../support/suite.ts";
import type { RecordedCall } from "../../test/emulator/index.ts";

const VERSION = versionLabel("@anthropic-ai/sdk");
const stacks = createStacks();
after(() => stacks.closeAll());

const MODEL = "claude-sonnet-4-5";
const tool = {
  name: "get_weather",
  description: "Current weather for a city",
  input_schema: { type: "object" as const, properties: { city: { type: "string" } }, required: ["city"] },
};

/** Anthropic usage must be the backend's: uncached input, cached input as cache reads, output as is. */
const expectUsage = (usage: Anthropic.Usage, stack: Stack, call: RecordedCall) => {
  const backend = stack.backendUsage(call);
  const cached = backend.input_tokens_details?.cached_tokens ?? 0;
  assert.equal(usage.input_tokens, backend.input_tokens - cached);
  assert.equal(usage.cache_read_input_tokens, cached);
  assert.equal(usage.output_tokens, backend.output_tokens);
};

for (const runtime of ["node", "bun", "deno"] as ProxyRuntime[]) {
  const skip = skipReason("ANTHROPIC_SDK") ?? skipReason(runtime.toUpperCase());
  let stack: Stack;
  let client: Anthropic;
  const setUp = async () => {
    stack = await stacks.get(runtime);
    stack.emulator.reset();
    client = new Anthropic({ baseURL: stack.baseURL.replace(/\/v1$/, ""), apiKey: PROXY_KEY, maxRetries: 0, timeout: 30_000 });
  };

  describe(suiteName("Anthropic SDK", VERSION, "/v1/messages", runtime), { skip }, () => {
    beforeEach(setUp);

    test("messages.create returns the text, the requested model and the backend's usage", async () => {
      const message = await client.messages.create({ model: MODEL, max_tokens: 1024, messages: [{ role: "user", content: "Say hello" }] });
      assert.equal(message.type, "message");
      assert.equal(message.model, MODEL);
      assert.deepEqual(message.content, [{ type: "text", text: "hello" }]);
      assert.equal(message.stop_reason, "end_turn");
      const [call] = expectCalls(stack.emulator.calls, 1);
      expectUsage(message.usage, stack, call!);
    });

    test("messages.stream().finalMessage() accumulates the streamed text and usage", async () => {
      const stream = client.messages.stream({ model: MODEL, max_tokens: 1024, system: "Be brief.", messages: [{ role: "user", content: "Say hello" }] });
      let streamed = "";
      stream.on("text", (text) => (streamed += text));
      const message = await stream.finalMessage();
      assert.equal(streamed, "hello");
      assert.deepEqual(message.content, [{ type: "text", text: "hello" }]);
      const [call] = expectCalls(stack.emulator.calls, 1);
      assert.equal((call!.body as { instructions?: string }).instructions, "Be brief.");
      expectUsage(message.usage, stack, call!);
    });

    test("tool round trip: tool_use with parsed input, the tool_result answered, call and output paired upstream", async () => {
      const first = await client.messages.create({ model: MODEL, max_tokens: 1024, tools: [tool], messages: [{ role: "user", content: WEATHER_PROMPT }] });
      assert.equal(first.stop_reason, "tool_use");
      const use = first.content.find((block) => block.type === "tool_use");
      assert.ok(use && use.type === "tool_use", JSON.stringify(first.content));
      assert.equal(use.name, "get_weather");
      assert.deepEqual(use.input, { city: "Paris" });
      const stream = client.messages.stream({
        model: MODEL,
        max_tokens: 1024,
        tools: [tool],
        messages: [
          { role: "user", content: WEATHER_PROMPT },
          { role: "assistant", content: first.content },
          { role: "user", content: [{ type: "tool_result", tool_use_id: use.id, content: WEATHER_OUTPUT }] },
        ],
      });
      const second = await stream.finalMessage();
      assert.deepEqual(second.content, [{ type: "text", text: WEATHER_ANSWER }]);
      const calls = expectCalls(stack.emulator.calls, 2);
      assert.equal(expectCallAndOutput(calls[1]!, "get_weather"), use.id);
    });

    test("messages.countTokens gives a local estimate and never reaches the backend", async () => {
      const counted = await client.messages.countTokens({ model: MODEL, tools: [tool], messages: [{ role: "user", content: "Say hello" }] });
      assert.ok(counted.input_tokens > 5 && counted.input_tokens < 200, String(counted.input_tokens));
      assert.equal(stack.emulator.calls.length, 0);
    });

    test("errors: a wrong key is AuthenticationError, an empty messages list BadRequestError; neither reaches the backend", async () => {
      const wrong = new Anthropic({ baseURL: stack.baseURL.replace(/\/v1$/, ""), apiKey: "not-the-proxy-key", maxRetries: 0 });
      await assert.rejects(wrong.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: "user", content: "x" }] }), (error: unknown) => {
        assert.ok(error instanceof AuthenticationError, String(error));
        assert.equal(error.status, 401);
        assert.equal((error.error as { error?: { type?: string } }).error?.type, "authentication_error");
        return true;
      });
      await assert.rejects(client.messages.create({ model: MODEL, max_tokens: 10, messages: [] }), (error: unknown) => {
        assert.ok(error instanceof BadRequestError, String(error));
        assert.match(error.message, /messages/);
        return true;
      });
      assert.equal(stack.emulator.calls.length, 0);
    });
  });
}
