// Shared scaffolding for the SDK suites: one proxy stack per runtime, started on first use and closed by the file's
// `after`, so a stack that cannot start fails each test with its reason instead of hiding behind a hook.
import assert from "node:assert/strict";
import type { RecordedCall } from "../../test/emulator/index.ts";
import { describeCalls, startStack, type ProxyRuntime, type Stack } from "./stack.ts";

export const createStacks = () => {
  const stacks = new Map<ProxyRuntime, Promise<Stack>>();
  return {
    /** The stack for `runtime`, started once; a start failure rejects every caller with the same error. */
    get(runtime: ProxyRuntime): Promise<Stack> {
      let stack = stacks.get(runtime);
      if (!stack) stacks.set(runtime, (stack = startStack(runtime)));
      return stack;
    },
    async closeAll(): Promise<void> {
      for (const stack of stacks.values())
        await stack.then(
          (s) => s.close(),
          () => undefined,
        );
      stacks.clear();
    },
  };
};

/** The user prompt that makes the emulator answer with exactly one get_weather call (docs/backend.md §12.2). */
export const WEATHER_PROMPT = 'What is the weather in Paris? CALL_TOOL get_weather {"city":"Paris"}';
/** What the test's tool returns, and so the text the emulator echoes on the follow-up. */
export const WEATHER_OUTPUT = JSON.stringify({ city: "Paris", temp_c: 21 });
export const WEATHER_ANSWER = `tool said: ${WEATHER_OUTPUT}`;

/** Asserts the emulator saw exactly `count` requests, all answered 200, and returns them. */
export const expectCalls = (calls: readonly RecordedCall[], count: number): RecordedCall[] => {
  assert.equal(calls.length, count, `expected ${count} backend request(s), got ${calls.length}:\n${describeCalls(calls)}`);
  for (const call of calls) assert.equal(call.status, 200, `a backend request was refused:\n${describeCalls(calls)}`);
  return [...calls];
};

type Item = { type?: string; call_id?: string; name?: string; arguments?: string; output?: unknown };

/** Asserts the follow-up request carried the call and its output, once each, sharing one call_id; returns it. */
export const expectCallAndOutput = (call: RecordedCall, name: string): string => {
  const input = ((call.body as { input?: Item[] }).input ?? []) as Item[];
  const calls = input.filter((i) => i.type === "function_call");
  const outputs = input.filter((i) => i.type === "function_call_output");
  assert.equal(calls.length, 1, `one function_call in the follow-up: ${JSON.stringify(input).slice(0, 2000)}`);
  assert.equal(outputs.length, 1, "one function_call_output in the follow-up");
  assert.equal(calls[0]?.name, name);
  assert.equal(calls[0]?.call_id, outputs[0]?.call_id, "call and output share the call_id");
  assert.ok(input.indexOf(calls[0]!) < input.indexOf(outputs[0]!), "the call precedes its output");
  return calls[0]!.call_id!;
};

/** The call the emulator issued in a tool turn (its output items). */
export const issuedCall = (call: RecordedCall): Item => {
  const item = (call.output ?? []).find((i) => (i as Item).type === "function_call") as Item | undefined;
  assert.ok(item, `the emulator issued no function_call: ${JSON.stringify(call.output)}`);
  return item;
};

/** Responses usage as the backend computed it for `call`. */
export const expectResponsesUsage = (
  usage: { input_tokens: number; output_tokens: number; total_tokens: number } | null | undefined,
  stack: Stack,
  call: RecordedCall,
) => {
  const expected = stack.backendUsage(call);
  assert.ok(usage, "usage is present");
  assert.equal(usage.input_tokens, expected.input_tokens, "input_tokens as the backend reported");
  assert.equal(usage.output_tokens, expected.output_tokens, "output_tokens as the backend reported");
  assert.equal(usage.total_tokens, expected.total_tokens);
};

/** Chat usage mapped from the backend's usage for `call`. */
export const expectChatUsage = (
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null | undefined,
  stack: Stack,
  call: RecordedCall,
) => {
  const expected = stack.backendUsage(call);
  assert.ok(usage, "usage is present");
  assert.equal(usage.prompt_tokens, expected.input_tokens, "prompt_tokens = backend input_tokens");
  assert.equal(usage.completion_tokens, expected.output_tokens, "completion_tokens = backend output_tokens");
  assert.equal(usage.total_tokens, expected.total_tokens);
};

/** Polls `check` every 25 ms for up to `ms`; returns its last answer. */
export const waitFor = async (check: () => boolean, ms = 3000): Promise<boolean> => {
  for (let waited = 0; !check() && waited < ms; waited += 25) await new Promise((resolve) => setTimeout(resolve, 25));
  return check();
};
