// Vercel AI SDK (ai 7.0.173, @ai-sdk/openai 4.0.118) in process through the proxy (clients.md §3.5): generateText
// and streamText, each with a text turn and a two-step tool loop, on openai.responses() and openai.chat(), with
// `store: false` and with the provider's default (no store key, item_reference follow-ups on Responses).
import { after, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createOpenAI } from "@ai-sdk/openai";
import { generateText, isStepCount, streamText, tool, type LanguageModelUsage } from "ai";
import { z } from "zod";
import type { RecordedCall } from "../../test/emulator/index.ts";
import { suiteName } from "../support/names.ts";
import { skipReason, versionLabel } from "../support/paths.ts";
import { MODEL, PROXY_KEY, type Stack } from "../support/stack.ts";
import { createStacks, expectCallAndOutput, expectCalls, issuedCall, WEATHER_ANSWER, WEATHER_OUTPUT, WEATHER_PROMPT } from "../support/suite.ts";

(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

const VERSION = `ai ${versionLabel("ai")}, @ai-sdk/openai ${versionLabel("@ai-sdk/openai")}`;
const skip = skipReason("AI_SDK");
const stacks = createStacks();
after(() => stacks.closeAll());

type Sent = { url: string; body: Record<string, unknown> };
let stack: Stack;
let sent: Sent[];
let provider: ReturnType<typeof createOpenAI>;

const setUp = async () => {
  stack = await stacks.get("node");
  stack.emulator.reset();
  sent = [];
  provider = createOpenAI({
    baseURL: stack.baseURL,
    apiKey: PROXY_KEY,
    // Records what the client put on the wire (to show which request shape a scenario exercised), then sends it.
    fetch: async (url, init) => {
      sent.push({ url: String(url), body: JSON.parse(String(init?.body ?? "{}")) as Record<string, unknown> });
      return fetch(url, init);
    },
  });
};

const weatherTool = () =>
  tool({
    description: "Current weather for a city",
    inputSchema: z.object({ city: z.string() }),
    execute: async ({ city }) => ({ city, temp_c: 21 }),
  });

const STORE_FALSE = { openai: { store: false } };

/** The summed usage equals the backend's usage over every request of the run. */
const expectUsage = (usage: LanguageModelUsage, calls: readonly RecordedCall[]) => {
  const expected = calls
    .map((call) => stack.backendUsage(call))
    .reduce((a, b) => ({ input: a.input + b.input_tokens, output: a.output + b.output_tokens }), { input: 0, output: 0 });
  assert.equal(usage.inputTokens, expected.input, "inputTokens as the backend reported");
  assert.equal(usage.outputTokens, expected.output, "outputTokens as the backend reported");
  assert.equal(usage.totalTokens, expected.input + expected.output);
};

/** Two steps: the get_weather call (with its executed result), then the echoed text; two backend requests. */
const expectToolLoop = (
  steps: ReadonlyArray<{
    toolCalls: ReadonlyArray<{ toolName: string; input: unknown; toolCallId: string }>;
    toolResults: ReadonlyArray<{ output: unknown }>;
    text: string;
  }>,
  text: string,
) => {
  assert.equal(steps.length, 2, `two steps, got ${steps.length}`);
  const call = steps[0]?.toolCalls[0];
  assert.ok(call, "step 1 made a tool call");
  assert.equal(call.toolName, "get_weather");
  assert.deepEqual(call.input, { city: "Paris" });
  assert.deepEqual(steps[0]?.toolResults[0]?.output, JSON.parse(WEATHER_OUTPUT));
  assert.equal(text, WEATHER_ANSWER);
  const [first, second] = expectCalls(stack.emulator.calls, 2);
  assert.equal(issuedCall(first!).call_id, call.toolCallId, "the SDK got the backend's call_id");
  assert.equal(expectCallAndOutput(second!, "get_weather"), call.toolCallId);
};

/** Drains streamText's fullStream: the text, and every error part (zod failures surface only here). */
const drain = async (result: { fullStream: AsyncIterable<{ type: string; text?: string; error?: unknown }> }) => {
  let text = "";
  const errors: unknown[] = [];
  for await (const part of result.fullStream) {
    if (part.type === "text-delta") text += part.text ?? "";
    if (part.type === "error") errors.push(part.error);
  }
  assert.deepEqual(errors.map(String), [], "no error parts in the stream");
  return text;
};

const modes = [
  { api: "/v1/responses, store:false", model: () => provider.responses(MODEL), providerOptions: STORE_FALSE },
  { api: "/v1/responses, default store", model: () => provider.responses(MODEL), providerOptions: undefined },
  { api: "/v1/chat/completions, store:false", model: () => provider.chat(MODEL), providerOptions: STORE_FALSE },
  { api: "/v1/chat/completions, default store", model: () => provider.chat(MODEL), providerOptions: undefined },
];

for (const mode of modes) {
  const path = mode.api.startsWith("/v1/responses") ? "/v1/responses" : "/v1/chat/completions";
  const options = mode.providerOptions ? { providerOptions: mode.providerOptions } : {};

  describe(suiteName("Vercel AI SDK", VERSION, mode.api, "node"), { skip }, () => {
    beforeEach(setUp);

    test("generateText returns the text and the backend's usage", async () => {
      const result = await generateText({ model: mode.model(), system: "Be brief.", prompt: "Say hello", maxRetries: 0, ...options });
      assert.equal(result.text, "hello");
      assert.equal(result.finishReason, "stop");
      assert.ok(sent[0]?.url.endsWith(path), sent[0]?.url);
      assert.equal(sent[0]?.body.stream ?? false, false, "generateText does not stream");
      expectUsage(result.usage, expectCalls(stack.emulator.calls, 1));
    });

    test("streamText streams the text with no error parts", async () => {
      const result = streamText({ model: mode.model(), system: "Be brief.", prompt: "Say hello", maxRetries: 0, ...options });
      assert.equal(await drain(result), "hello");
      assert.equal(await result.finishReason, "stop");
      assert.equal(sent[0]?.body.stream, true);
      expectUsage(await result.usage, expectCalls(stack.emulator.calls, 1));
    });

    test("generateText runs a two-step tool loop (isStepCount(2))", async () => {
      const result = await generateText({
        model: mode.model(),
        prompt: WEATHER_PROMPT,
        tools: { get_weather: weatherTool() },
        stopWhen: isStepCount(2),
        maxRetries: 0,
        ...options,
      });
      expectToolLoop(result.steps, result.text);
      expectUsage(result.usage, stack.emulator.calls);
    });

    test("streamText runs a two-step tool loop with no error parts", async () => {
      const result = streamText({
        model: mode.model(),
        prompt: WEATHER_PROMPT,
        tools: { get_weather: weatherTool() },
        stopWhen: isStepCount(2),
        maxRetries: 0,
        ...options,
      });
      const text = await drain(result);
      expectToolLoop(await result.steps, text);
      expectUsage(await result.usage, stack.emulator.calls);
      if (mode.api === "/v1/responses, default store") {
        // Without store:false the SDK points at the stored call; the proxy must drop the reference and restore the call.
        const input = (sent[1]?.body.input ?? []) as Array<{ type?: string }>;
        assert.ok(
          input.some((item) => item.type === "item_reference"),
          `the follow-up used item_reference: ${JSON.stringify(input)}`,
        );
      }
    });
  });
}

describe(suiteName("Vercel AI SDK", VERSION, "/v1/responses, non-reasoning id (role:system)", "node"), { skip }, () => {
  beforeEach(setUp);

  test("a system prompt sent as an input item with role system is accepted (folded into instructions)", async () => {
    const result = await generateText({
      model: provider.responses("gpt-4o-mini"),
      system: "Be brief.",
      prompt: "Say hello",
      maxRetries: 0,
      providerOptions: STORE_FALSE,
    });
    assert.equal(result.text, "hello");
    const input = (sent[0]?.body.input ?? []) as Array<{ role?: string }>;
    assert.equal(input[0]?.role, "system", "the SDK sent a system item (the scenario this test is for)");
    const [call] = expectCalls(stack.emulator.calls, 1);
    assert.match(String((call!.body as { instructions?: string }).instructions), /Be brief\./);
  });
});
