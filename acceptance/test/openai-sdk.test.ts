// openai 7.55.0 in process through the proxy (clients.md §3.4): models, Responses and Chat Completions, each
// non-streaming, streaming and through the accumulating .stream() helpers, a tool round trip per API, and a wrong
// key. The same scenarios run with the proxy under Node, Bun and Deno.
import { after, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI, { AuthenticationError } from "openai";
import { suiteName } from "../support/names.ts";
import { skipReason, versionLabel } from "../support/paths.ts";
import { MODEL, PROXY_KEY, type ProxyRuntime, type Stack } from "../support/stack.ts";
import {
  createStacks,
  expectCallAndOutput,
  expectCalls,
  expectChatUsage,
  expectResponsesUsage,
  issuedCall,
  WEATHER_ANSWER,
  WEATHER_OUTPUT,
  WEATHER_PROMPT,
} from "../support/suite.ts";

const VERSION = versionLabel("openai");
const stacks = createStacks();
after(() => stacks.closeAll());

const responsesTool = {
  type: "function" as const,
  name: "get_weather",
  description: "Current weather for a city",
  strict: false,
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false },
};
const chatTool = {
  type: "function" as const,
  function: { name: "get_weather", description: "Current weather for a city", parameters: responsesTool.parameters },
};

const RUNTIMES: ProxyRuntime[] = ["node", "bun", "deno"];

for (const runtime of RUNTIMES) {
  const skip = skipReason("OPENAI") ?? skipReason(runtime.toUpperCase());
  let stack: Stack;
  let client: OpenAI;
  const setUp = async () => {
    stack = await stacks.get(runtime);
    stack.emulator.reset();
    client = new OpenAI({ baseURL: stack.baseURL, apiKey: PROXY_KEY, maxRetries: 0, timeout: 30_000 });
  };

  describe(suiteName("openai SDK", VERSION, "GET /v1/models, 401", runtime), { skip }, () => {
    beforeEach(setUp);

    test("models.list() lists the default codex model as OpenAI model objects", async () => {
      const models = [];
      for await (const model of client.models.list()) models.push(model);
      assert.ok(
        models.some((m) => m.id === MODEL),
        JSON.stringify(models.map((m) => m.id)),
      );
      for (const model of models) {
        assert.equal(model.object, "model");
        assert.equal(typeof model.created, "number");
        assert.equal(typeof model.owned_by, "string");
      }
    });

    test("a wrong key gives AuthenticationError (401) on both APIs and never reaches the backend", async () => {
      const wrong = new OpenAI({ baseURL: stack.baseURL, apiKey: "not-the-proxy-key", maxRetries: 0 });
      await assert.rejects(wrong.responses.create({ model: MODEL, input: "Say hello" }), (error: unknown) => {
        assert.ok(error instanceof AuthenticationError, `got ${String(error)}`);
        assert.equal(error.status, 401);
        assert.ok(error.message.length > 10, error.message);
        return true;
      });
      await assert.rejects(wrong.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "Say hello" }] }), AuthenticationError);
      assert.equal(stack.emulator.calls.length, 0);
    });
  });

  describe(suiteName("openai SDK", VERSION, "/v1/responses", runtime), { skip }, () => {
    beforeEach(setUp);

    test("responses.create without stream returns the text, output[] and the backend's usage", async () => {
      const response = await client.responses.create({ model: MODEL, input: "Say hello", instructions: "Be brief.", store: false });
      assert.equal(response.output_text, "hello");
      assert.equal(response.status, "completed");
      const message = response.output.find((item) => item.type === "message");
      assert.ok(message && message.type === "message", JSON.stringify(response.output));
      assert.match(message.id, /\S/);
      const [call] = expectCalls(stack.emulator.calls, 1);
      expectResponsesUsage(response.usage, stack, call!);
    });

    test("responses.create({ stream: true }) streams the deltas and ends with response.completed", async () => {
      const stream = await client.responses.create({ model: MODEL, input: "Say hello", stream: true });
      const types: string[] = [];
      let text = "";
      let completed: OpenAI.Responses.Response | undefined;
      for await (const event of stream) {
        types.push(event.type);
        if (event.type === "response.output_text.delta") text += event.delta;
        if (event.type === "response.completed") completed = event.response;
      }
      assert.equal(text, "hello");
      assert.equal(types[0], "response.created");
      assert.equal(types.at(-1), "response.completed", types.join(","));
      assert.ok(completed);
      assert.equal(
        completed.output_text ??
          completed.output
            .flatMap((i) => (i.type === "message" ? i.content : []))
            .map((p) => ("text" in p ? p.text : ""))
            .join(""),
        "hello",
      );
      const [call] = expectCalls(stack.emulator.calls, 1);
      expectResponsesUsage(completed.usage, stack, call!);
    });

    test("responses.stream().finalResponse() accumulates the text (the completed output is rebuilt)", async () => {
      const runner = client.responses.stream({ model: MODEL, input: [{ role: "user", content: "Say hello" }], store: false });
      let deltas = "";
      runner.on("response.output_text.delta", (event) => (deltas += event.delta));
      const final = await runner.finalResponse();
      assert.equal(deltas, "hello");
      assert.equal(final.output_text, "hello");
      const [call] = expectCalls(stack.emulator.calls, 1);
      expectResponsesUsage(final.usage, stack, call!);
    });

    test("responses.stream() against a stream that starts with codex.rate_limits (§13.3): no event before response.created, the text arrives", async () => {
      stack.emulator.enqueue("text", { rateLimits: true, metadataEvents: true, keepalive: true });
      const runner = client.responses.stream({ model: MODEL, input: [{ role: "user", content: "Say hello" }], store: false });
      const types: string[] = [];
      runner.on("event", (event) => types.push(event.type));
      const final = await runner.finalResponse();
      assert.equal(final.output_text, "hello");
      assert.equal(types[0], "response.created", types.join(", "));
      assert.ok(!types.some((t) => t.startsWith("codex.") || t === "keepalive"), types.join(", "));
    });

    test("tool round trip: function_call out, function_call_output back, final text", async () => {
      const input: OpenAI.Responses.ResponseInput = [{ role: "user", content: WEATHER_PROMPT }];
      const first = await client.responses.create({ model: MODEL, input, tools: [responsesTool], store: false });
      const fc = first.output.find((item) => item.type === "function_call");
      assert.ok(fc && fc.type === "function_call", JSON.stringify(first.output));
      assert.equal(fc.name, "get_weather");
      assert.deepEqual(JSON.parse(fc.arguments), { city: "Paris" });
      assert.match(fc.call_id, /\S/);
      // The documented loop: resend the model's output items as returned (ids and status included), then the result.
      const second = await client.responses.create({
        model: MODEL,
        input: [
          ...input,
          ...(first.output as OpenAI.Responses.ResponseInputItem[]),
          { type: "function_call_output", call_id: fc.call_id, output: WEATHER_OUTPUT },
        ],
        tools: [responsesTool],
        store: false,
      });
      assert.equal(second.output_text, WEATHER_ANSWER);
      const [call1, call2] = expectCalls(stack.emulator.calls, 2);
      assert.equal(issuedCall(call1!).call_id, fc.call_id, "the client got the backend's call_id");
      assert.equal(expectCallAndOutput(call2!, "get_weather"), fc.call_id);
      expectResponsesUsage(second.usage, stack, call2!);
    });

    test("a tool call through responses.stream().finalResponse() is in the final output", async () => {
      const runner = client.responses.stream({ model: MODEL, input: WEATHER_PROMPT, tools: [responsesTool], store: false });
      let argumentDeltas = "";
      runner.on("response.function_call_arguments.delta", (event) => (argumentDeltas += event.delta));
      const final = await runner.finalResponse();
      const fc = final.output.find((item) => item.type === "function_call");
      assert.ok(fc && fc.type === "function_call", JSON.stringify(final.output));
      assert.equal(fc.name, "get_weather");
      assert.deepEqual(JSON.parse(fc.arguments), { city: "Paris" });
      assert.equal(argumentDeltas, fc.arguments);
      expectCalls(stack.emulator.calls, 1);
    });
  });

  describe(suiteName("openai SDK", VERSION, "/v1/chat/completions", runtime), { skip }, () => {
    beforeEach(setUp);

    test("chat.completions.create without stream returns the message, finish_reason and usage", async () => {
      const completion = await client.chat.completions.create({
        model: MODEL,
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "Say hello" },
        ],
      });
      assert.equal(completion.object, "chat.completion");
      assert.equal(completion.choices[0]?.message.role, "assistant");
      assert.equal(completion.choices[0]?.message.content, "hello");
      assert.equal(completion.choices[0]?.finish_reason, "stop");
      const [call] = expectCalls(stack.emulator.calls, 1);
      expectChatUsage(completion.usage, stack, call!);
    });

    test("chat.completions.create({ stream: true }) streams the content, a finish_reason and the usage chunk", async () => {
      const stream = await client.chat.completions.create({
        model: MODEL,
        messages: [{ role: "user", content: "Say hello" }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = "";
      const finishReasons: string[] = [];
      let usageChunk: OpenAI.Chat.ChatCompletionChunk | undefined;
      for await (const chunk of stream) {
        for (const choice of chunk.choices) {
          text += choice.delta.content ?? "";
          if (choice.finish_reason) finishReasons.push(choice.finish_reason);
        }
        if (chunk.usage) usageChunk = chunk;
      }
      assert.equal(text, "hello");
      assert.deepEqual(finishReasons, ["stop"]);
      assert.ok(usageChunk, "a usage chunk arrived");
      assert.deepEqual(usageChunk.choices, []);
      const [call] = expectCalls(stack.emulator.calls, 1);
      expectChatUsage(usageChunk.usage, stack, call!);
    });

    test("chat.completions.stream().finalChatCompletion() accumulates the message", async () => {
      const runner = client.chat.completions.stream({
        model: MODEL,
        messages: [{ role: "user", content: "Say hello" }],
        stream_options: { include_usage: true },
      });
      let contentEvents = "";
      runner.on("content.delta", (event) => (contentEvents += event.delta));
      const final = await runner.finalChatCompletion();
      assert.equal(final.choices[0]?.message.content, "hello");
      assert.equal(final.choices[0]?.finish_reason, "stop");
      assert.equal(contentEvents, "hello");
      const [call] = expectCalls(stack.emulator.calls, 1);
      expectChatUsage(final.usage, stack, call!);
    });

    test("tool round trip: tool_calls out, role:tool back, final text", async () => {
      const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: "user", content: WEATHER_PROMPT }];
      const first = await client.chat.completions.create({ model: MODEL, messages, tools: [chatTool] });
      const choice = first.choices[0];
      assert.equal(choice?.finish_reason, "tool_calls");
      const toolCall = choice?.message.tool_calls?.[0];
      assert.ok(toolCall && toolCall.type === "function", JSON.stringify(choice?.message));
      assert.equal(choice?.message.tool_calls?.length, 1);
      assert.equal(toolCall.function.name, "get_weather");
      assert.deepEqual(JSON.parse(toolCall.function.arguments), { city: "Paris" });
      // The assistant message goes back verbatim (content null, refusal, annotations), as SDK users do.
      const second = await client.chat.completions.create({
        model: MODEL,
        messages: [...messages, choice!.message, { role: "tool", tool_call_id: toolCall.id, content: WEATHER_OUTPUT }],
        tools: [chatTool],
      });
      assert.equal(second.choices[0]?.message.content, WEATHER_ANSWER);
      assert.equal(second.choices[0]?.finish_reason, "stop");
      const [call1, call2] = expectCalls(stack.emulator.calls, 2);
      assert.equal(issuedCall(call1!).call_id, toolCall.id, "tool_calls[].id is the backend's call_id");
      assert.equal(expectCallAndOutput(call2!, "get_weather"), toolCall.id);
      expectChatUsage(second.usage, stack, call2!);
    });

    test("a streamed tool call accumulates through chat.completions.stream()", async () => {
      const runner = client.chat.completions.stream({ model: MODEL, messages: [{ role: "user", content: WEATHER_PROMPT }], tools: [chatTool] });
      const final = await runner.finalChatCompletion();
      const toolCall = final.choices[0]?.message.tool_calls?.[0];
      assert.ok(toolCall && toolCall.type === "function", JSON.stringify(final.choices[0]));
      assert.equal(toolCall.function.name, "get_weather");
      assert.deepEqual(JSON.parse(toolCall.function.arguments), { city: "Paris" });
      assert.equal(final.choices[0]?.finish_reason, "tool_calls");
      expectCalls(stack.emulator.calls, 1);
    });
  });
}
