// LangChain JS (@langchain/openai 1.6.0 on @langchain/core 1.4.0) in process through the proxy (clients.md §3.6):
// ChatOpenAI in Responses mode (forced for codex ids) and in chat mode (a gpt-4o-mini id the emulator allows),
// each with invoke, .stream(), and a bound tool round trip (invoke → tool call → ToolMessage → final text).
import { after, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { AIMessage, AIMessageChunk, HumanMessage, SystemMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { ChatOpenAI } from "@langchain/openai";
import { z } from "zod";
import type { RecordedCall } from "../../test/emulator/index.ts";
import { suiteName } from "../support/names.ts";
import { skipReason, versionLabel } from "../support/paths.ts";
import { MODEL, PROXY_KEY, type Stack } from "../support/stack.ts";
import { createStacks, expectCallAndOutput, expectCalls, issuedCall, WEATHER_ANSWER, WEATHER_OUTPUT, WEATHER_PROMPT } from "../support/suite.ts";

delete process.env.LANGSMITH_TRACING;
delete process.env.LANGCHAIN_TRACING_V2;

const VERSION = `@langchain/openai ${versionLabel("@langchain/openai")}, @langchain/core ${versionLabel("@langchain/core")}`;
const skip = skipReason("LANGCHAIN");
const stacks = createStacks();
after(() => stacks.closeAll());

const getWeather = tool(async ({ city }) => JSON.stringify({ city, temp_c: 21 }), {
  name: "get_weather",
  description: "Current weather for a city",
  schema: z.object({ city: z.string() }),
});

/** LangChain's usage equals the backend's for that request. */
const expectUsage = (message: AIMessage | AIMessageChunk, stack: Stack, call: RecordedCall) => {
  const expected = stack.backendUsage(call);
  assert.ok(message.usage_metadata, "usage_metadata is present");
  assert.equal(message.usage_metadata.input_tokens, expected.input_tokens);
  assert.equal(message.usage_metadata.output_tokens, expected.output_tokens);
  assert.equal(message.usage_metadata.total_tokens, expected.total_tokens);
};

const modes = [
  { api: "/v1/responses (codex id)", model: MODEL, useResponsesApi: true, path: "/responses" },
  { api: "/v1/chat/completions (gpt-4o-mini)", model: "gpt-4o-mini", useResponsesApi: false, path: "/chat/completions" },
];

for (const mode of modes) {
  describe(suiteName("LangChain ChatOpenAI", VERSION, mode.api, "node"), { skip }, () => {
    let stack: Stack;
    let chat: ChatOpenAI;
    const paths: string[] = [];
    const bodies: Array<Record<string, any>> = [];
    beforeEach(async () => {
      stack = await stacks.get("node");
      stack.emulator.reset();
      paths.length = 0;
      bodies.length = 0;
      chat = new ChatOpenAI({
        model: mode.model,
        apiKey: PROXY_KEY,
        useResponsesApi: mode.useResponsesApi,
        maxRetries: 0,
        streamUsage: true,
        configuration: {
          baseURL: stack.baseURL,
          // Records which endpoint the client chose, so the mode under test is the one exercised.
          fetch: (url: string | URL | Request, init?: RequestInit) => {
            paths.push(new URL(String(url instanceof Request ? url.url : url)).pathname);
            bodies.push(JSON.parse(String(init?.body ?? "{}")) as Record<string, any>);
            return fetch(url, init);
          },
        },
      });
    });

    test("invoke returns the text and the backend's usage", async () => {
      const reply = await chat.invoke([new SystemMessage("Be brief."), new HumanMessage("Say hello")]);
      assert.equal(reply.text, "hello");
      assert.deepEqual(paths, [`/v1${mode.path}`]);
      const [call] = expectCalls(stack.emulator.calls, 1);
      expectUsage(reply, stack, call!);
    });

    test(".stream() yields the text in chunks and the usage", async () => {
      let merged: AIMessageChunk | undefined;
      let chunks = 0;
      for await (const chunk of await chat.stream([new HumanMessage("Say hello")])) {
        merged = merged === undefined ? chunk : merged.concat(chunk);
        chunks += 1;
      }
      assert.ok(merged);
      assert.ok(chunks > 1, `streamed in ${chunks} chunk(s)`);
      assert.equal(merged.text, "hello");
      const [call] = expectCalls(stack.emulator.calls, 1);
      expectUsage(merged, stack, call!);
    });

    test("bound tool round trip: invoke → tool call → ToolMessage → final text", async () => {
      const bound = chat.bindTools([getWeather]);
      const history: BaseMessage[] = [new HumanMessage(WEATHER_PROMPT)];
      const first = await bound.invoke(history);
      assert.equal(first.tool_calls?.length, 1, JSON.stringify(first.toJSON()).slice(0, 1500));
      const toolCall = first.tool_calls![0]!;
      assert.equal(toolCall.name, "get_weather");
      assert.deepEqual(toolCall.args, { city: "Paris" });
      assert.ok(toolCall.id);
      const result = await getWeather.invoke({ city: String(toolCall.args.city) });
      assert.equal(result, WEATHER_OUTPUT);
      history.push(first, new ToolMessage({ content: result, tool_call_id: toolCall.id }));
      const second = await bound.invoke(history);
      assert.equal(second.text, WEATHER_ANSWER);
      assert.equal(second.tool_calls?.length ?? 0, 0);
      const [call1, call2] = expectCalls(stack.emulator.calls, 2);
      assert.equal(issuedCall(call1!).call_id, toolCall.id, "the tool call id is the backend's call_id");
      assert.equal(expectCallAndOutput(call2!, "get_weather"), toolCall.id);
      expectUsage(first, stack, call1!);
      expectUsage(second, stack, call2!);
      if (mode.useResponsesApi) {
        // What this scenario is for (clients.md §3.6): LangChain replays the call with its item id and status.
        const replayed = (bodies[1]?.input as Array<Record<string, unknown>>).find((item) => item.type === "function_call");
        assert.ok(replayed?.id && replayed.status, `the replayed call carries id and status: ${JSON.stringify(replayed)}`);
      }
    });

    test("a streamed tool call merges into one tool_calls entry", async () => {
      let merged: AIMessageChunk | undefined;
      for await (const chunk of await chat.bindTools([getWeather]).stream([new HumanMessage(WEATHER_PROMPT)]))
        merged = merged === undefined ? chunk : merged.concat(chunk);
      assert.ok(merged);
      assert.equal(merged.tool_calls?.length, 1, JSON.stringify(merged.toJSON()).slice(0, 1500));
      assert.equal(merged.tool_calls?.[0]?.name, "get_weather");
      assert.deepEqual(merged.tool_calls?.[0]?.args, { city: "Paris" });
      expectCalls(stack.emulator.calls, 1);
    });
  });
}
