// Chat translation (docs/backend.md §6.7, §8.1–§8.5; clients.md §2, §5.B, §5.C): request mapping,
// the chunk reducer against the golden transcripts (whole and split at every byte), and the non-stream fold.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { isProxyError, type ProxyError } from "../src/errors.ts";
import { isTerminalEvent, toUpstreamEvent, type TerminalEvent, type UpstreamEvent } from "../src/schemas/upstream-event.ts";
import { createUpstreamDecoder } from "../src/sse/decode-upstream.ts";
import { chatRequestSchema, type ChatRequest } from "../src/schemas/chat-request.ts";
import { toUpstreamFromChat } from "../src/translate/chat-to-upstream.ts";
import { mapFinishReason } from "../src/translate/map-finish-reason.ts";
import { toProxyErrorFromFailure } from "../src/translate/map-failure.ts";
import { toChatUsage } from "../src/translate/map-usage.ts";
import { createChatChunkState, finishChatChunks, stepChatChunks, type ChatChunkOptions, type ChatFrame } from "../src/translate/upstream-to-chat-chunks.ts";
import { toChatCompletion } from "../src/translate/upstream-to-chat-completion.ts";
import { readFixtureBytes, readFixtureJson, readFixtureText } from "./support/read-fixture.ts";

type Json = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------------
// helpers

/** Upstream events from byte chunks through the proxy's own decoder (§5.2: streaming UTF-8, SSE framing, narrowing). */
const parseEvents = (chunks: readonly Uint8Array[]): UpstreamEvent[] => {
  const events: UpstreamEvent[] = [];
  const decoder = createUpstreamDecoder((event) => events.push(event));
  for (const chunk of chunks) decoder.feed(chunk);
  decoder.end();
  return events;
};

const fixtureEvents = (name: string): UpstreamEvent[] => parseEvents([readFixtureBytes(`codex/${name}`)]);

/** A hand-written event, narrowed as the decoder narrows parsed payloads. */
const ev = (json: Json): UpstreamEvent => toUpstreamEvent(json);
const terminalOf = (json: Json): TerminalEvent => {
  const event = ev(json);
  assert.ok(isTerminalEvent(event), `not a terminal event: ${JSON.stringify(json)}`);
  return event;
};

const options = (overrides: Partial<ChatChunkOptions> = {}): ChatChunkOptions => ({
  id: "chatcmpl-fixture",
  created: 0,
  model: "gpt-5.4",
  includeUsage: false,
  includeReasoning: false,
  ...overrides,
});

/** Runs the reducer over the events (hand-written ones narrowed first; a decoded one narrows to itself), then EOF. */
const reduce = (events: readonly Json[], overrides: Partial<ChatChunkOptions> = {}): ChatFrame[] => {
  const state = createChatChunkState(options(overrides));
  const frames: ChatFrame[] = [];
  for (const event of events) frames.push(...stepChatChunks(state, ev(event)));
  frames.push(...finishChatChunks(state));
  return frames;
};

/** The bytes a chat client would see (§8.3 framing). */
const render = (frames: readonly ChatFrame[]): string => frames.map((frame) => `data: ${frame === "[DONE]" ? "[DONE]" : JSON.stringify(frame)}\n\n`).join("");

const chunksOf = (frames: readonly ChatFrame[]): Json[] => frames.filter((frame) => frame !== "[DONE]").map((frame) => ({ ...frame }));
const deltasOf = (frames: readonly ChatFrame[]): Json[] =>
  chunksOf(frames).flatMap((frame) => ((frame.choices as Json[] | undefined) ?? []).map((choice) => choice.delta as Json));
const finishReasonsOf = (frames: readonly ChatFrame[]): unknown[] =>
  chunksOf(frames)
    .flatMap((frame) => (frame.choices as Json[] | undefined) ?? [])
    .map((choice) => choice.finish_reason)
    .filter((reason) => reason !== null);
const contentOf = (frames: readonly ChatFrame[]): string =>
  deltasOf(frames)
    .map((delta) => delta.content ?? "")
    .join("");

const parseChat = (body: unknown): ChatRequest => chatRequestSchema.parse(body);
const translate = (body: unknown) => toUpstreamFromChat(parseChat(body), { model: "gpt-5.4" });
const user = (content: unknown) => ({ role: "user", content });

const catchProxyError = (run: () => unknown): ProxyError => {
  try {
    run();
  } catch (error) {
    if (isProxyError(error)) return error;
    throw error;
  }
  assert.fail("expected a ProxyError");
};

/** A completed stream with the given items, for cases the fixtures do not cover. */
const syntheticStream = (items: Json[], terminal: Json): Json[] => [
  { type: "response.created", response: { id: "resp_synthetic", created_at: 1700000000 } },
  ...items.flatMap((item, index) => [{ type: "response.output_item.done", output_index: index, item }]),
  terminal,
];

// ---------------------------------------------------------------------------------------------------
// request: chat → upstream (§8.1)

describe("chat request → upstream draft (§8.1)", () => {
  /** The body the caller sends once it adds instructions, store, stream and prompt_cache_key (§8.1 last row). */
  const upstreamBody = (body: Json) => {
    const translation = translate(body);
    return {
      body: {
        ...translation.draft,
        instructions: translation.instructions,
        store: false,
        stream: true,
        prompt_cache_key: body.user,
      },
      warnings: translation.warnings,
    };
  };

  test("golden: chat-request-tool-call.json gives tool-call.request.json", () => {
    const { body, warnings } = upstreamBody(readFixtureJson<Json>("codex/translation/chat-request-tool-call.json"));
    assert.deepEqual(body, readFixtureJson("codex/tool-call.request.json"));
    for (const dropped of ["temperature", "max_tokens", "stream_options", "user"]) {
      assert.ok(
        warnings.some((warning) => warning.includes(`"${dropped}"`)),
        `no warning for ${dropped}: ${warnings.join("; ")}`,
      );
    }
  });

  test("golden: chat-request-tool-followup.json gives tool-then-text.request.json", () => {
    const { body } = upstreamBody(readFixtureJson<Json>("codex/translation/chat-request-tool-followup.json"));
    assert.deepEqual(body, readFixtureJson("codex/tool-then-text.request.json"));
  });

  test("system and developer text go to instructions, joined by a blank line, blank ones skipped", () => {
    const { draft, instructions } = translate({
      messages: [
        { role: "system", content: "Rule one." },
        { role: "developer", content: "   " },
        { role: "developer", content: [{ type: "text", text: "Rule two." }] },
        user("hi"),
      ],
    });
    assert.equal(instructions, "Rule one.\n\nRule two.");
    assert.deepEqual(draft.input, [{ type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] }]);
  });

  test("no system message gives empty instructions (the caller applies cache and default, §9.2)", () => {
    assert.equal(translate({ messages: [user("hi")] }).instructions, "");
  });

  test("model defaults to the configured one", () => {
    assert.equal(translate({ messages: [user("hi")] }).draft.model, "gpt-5.4");
    assert.equal(translate({ model: "gpt-5.2", messages: [user("hi")] }).draft.model, "gpt-5.2");
  });

  test("user images: URL and data URL become input_image, detail defaults to auto", () => {
    const dataUrl = "data:image/png;base64,iVBORw0KGgo=";
    const { draft } = translate({
      messages: [
        user([
          { type: "text", text: "What is in these?" },
          { type: "image_url", image_url: { url: "https://example.com/cat.png" } },
          { type: "image_url", image_url: { url: dataUrl, detail: "high" } },
          { type: "image_url", image_url: "https://example.com/dog.png" },
        ]),
      ],
    });
    assert.deepEqual(draft.input, [
      {
        type: "message",
        role: "user",
        content: [
          { type: "input_text", text: "What is in these?" },
          { type: "input_image", image_url: "https://example.com/cat.png", detail: "auto" },
          { type: "input_image", image_url: dataUrl, detail: "high" },
          { type: "input_image", image_url: "https://example.com/dog.png", detail: "auto" },
        ],
      },
    ]);
  });

  test("file parts: inline data becomes input_file, a bare file_id is dropped with a warning", () => {
    const { draft, warnings } = translate({
      messages: [
        user([
          { type: "file", file: { file_data: "data:application/pdf;base64,JVBERi0=", filename: "a.pdf" } },
          { type: "file", file: { file_id: "file-abc" } },
        ]),
      ],
    });
    assert.deepEqual(draft.input, [
      {
        type: "message",
        role: "user",
        content: [{ type: "input_file", file_data: "data:application/pdf;base64,JVBERi0=", filename: "a.pdf" }],
      },
    ]);
    assert.ok(
      warnings.some((warning) => warning.includes("messages[0].content[1]")),
      warnings.join("; "),
    );
  });

  test("assistant text becomes output_text; empty or null text gives no item", () => {
    const { draft } = translate({
      messages: [user("a"), { role: "assistant", content: "b" }, { role: "assistant", content: "" }, { role: "assistant", content: null }, user("c")],
    });
    assert.deepEqual(
      draft.input.map((item) => [item.role, item.content]),
      [
        ["user", [{ type: "input_text", text: "a" }]],
        ["assistant", [{ type: "output_text", text: "b" }]],
        ["user", [{ type: "input_text", text: "c" }]],
      ],
    );
  });

  test("assistant tool_calls follow the text; a missing id is synthesized deterministically", () => {
    const body = {
      messages: [
        user("go"),
        {
          role: "assistant",
          content: "Checking.",
          tool_calls: [
            { id: "call_a", type: "function", function: { name: "f", arguments: "{}" } },
            { type: "function", function: { name: "g", arguments: '{"x":1}' } },
          ],
        },
      ],
    };
    const first = translate(body).draft.input;
    assert.deepEqual(first.slice(1), [
      { type: "message", role: "assistant", content: [{ type: "output_text", text: "Checking." }] },
      { type: "function_call", call_id: "call_a", name: "f", arguments: "{}" },
      { type: "function_call", call_id: first[3]?.call_id, name: "g", arguments: '{"x":1}' },
    ]);
    assert.equal(typeof first[3]?.call_id, "string");
    assert.notEqual(first[3]?.call_id, "");
    assert.equal(translate(body).draft.input[3]?.call_id, first[3]?.call_id, "same request, same synthesized id");
  });

  test("OpenClaw chat mode: content null with tool_calls, echoed keys, text parts after the tool message", () => {
    const { draft } = translate({
      messages: [
        { role: "system", content: "sys" },
        user("Runtime: agent=main"),
        {
          role: "assistant",
          content: null,
          refusal: null,
          annotations: [],
          tool_calls: [{ id: "callab12", type: "function", function: { name: "exec", arguments: '{"cmd":"ls"}' } }],
        },
        { role: "tool", tool_call_id: "callab12", content: "a.txt" },
        user([{ type: "text", text: "and now?" }]),
      ],
    });
    assert.deepEqual(draft.input, [
      { type: "message", role: "user", content: [{ type: "input_text", text: "Runtime: agent=main" }] },
      { type: "function_call", call_id: "callab12", name: "exec", arguments: '{"cmd":"ls"}' },
      { type: "function_call_output", call_id: "callab12", output: "a.txt" },
      { type: "message", role: "user", content: [{ type: "input_text", text: "and now?" }] },
    ]);
  });

  test("tool message parts are joined as text", () => {
    const { draft } = translate({
      messages: [
        user("go"),
        { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }] },
        {
          role: "tool",
          tool_call_id: "c1",
          content: [
            { type: "text", text: "line 1" },
            { type: "text", text: "line 2" },
          ],
        },
      ],
    });
    assert.deepEqual(draft.input[2], { type: "function_call_output", call_id: "c1", output: "line 1\nline 2" });
  });

  test("tools: nested → flat, strict kept else false, missing parameters → empty object schema", () => {
    const { draft } = translate({
      messages: [user("hi")],
      tools: [
        { type: "function", function: { name: "a", description: "A", strict: true, parameters: { type: "object", properties: { x: { type: "string" } } } } },
        { type: "function", function: { name: "b" } },
      ],
    });
    assert.deepEqual(draft.tools, [
      { type: "function", name: "a", description: "A", strict: true, parameters: { type: "object", properties: { x: { type: "string" } } } },
      { type: "function", name: "b", description: "", strict: false, parameters: { type: "object", properties: {} } },
    ]);
    assert.equal(draft.tool_choice, "auto");
    assert.equal(draft.parallel_tool_calls, false);
  });

  test("tool_choice: strings pass; a function object filters the tools and sends auto", () => {
    const tools = ["a", "b"].map((name) => ({ type: "function", function: { name, parameters: { type: "object", properties: {} } } }));
    assert.equal(translate({ messages: [user("hi")], tools, tool_choice: "required" }).draft.tool_choice, "required");
    assert.equal(translate({ messages: [user("hi")], tools, tool_choice: "none" }).draft.tool_choice, "none");
    const forced = translate({ messages: [user("hi")], tools, tool_choice: { type: "function", function: { name: "b" } } }).draft;
    assert.equal(forced.tool_choice, "auto");
    assert.deepEqual(
      forced.tools?.map((tool) => tool.name),
      ["b"],
    );
    const error = catchProxyError(() => translate({ messages: [user("hi")], tools, tool_choice: { type: "function", function: { name: "zzz" } } }));
    assert.equal(error.status, 400);
    assert.equal(error.param, "tool_choice");
  });

  test("parallel_tool_calls: forwarded with tools, never true without them", () => {
    const tools = [{ type: "function", function: { name: "a" } }];
    assert.equal(translate({ messages: [user("hi")], tools, parallel_tool_calls: true }).draft.parallel_tool_calls, true);
    assert.equal(translate({ messages: [user("hi")], tools }).draft.parallel_tool_calls, false);
    const none = translate({ messages: [user("hi")], parallel_tool_calls: true }).draft;
    assert.equal(none.parallel_tool_calls, false);
    assert.deepEqual(none.tools, []);
  });

  test("reasoning_effort or reasoning.effort → reasoning + include; none without", () => {
    const a = translate({ messages: [user("hi")], reasoning_effort: "high" }).draft;
    assert.deepEqual(a.reasoning, { effort: "high" });
    assert.deepEqual(a.include, ["reasoning.encrypted_content"]);
    const b = translate({ messages: [user("hi")], reasoning: { effort: "low", summary: "auto" } }).draft;
    assert.deepEqual(b.reasoning, { effort: "low", summary: "auto" });
    assert.deepEqual(b.include, ["reasoning.encrypted_content"]);
    const c = translate({ messages: [user("hi")] }).draft;
    assert.equal(c.reasoning, undefined);
    assert.equal(c.include, undefined);
  });

  test("response_format json_schema / json_object → text.format; verbosity → text.verbosity", () => {
    const schema = { type: "object", properties: { n: { type: "number" } }, required: ["n"], additionalProperties: false };
    const a = translate({
      messages: [user("hi")],
      response_format: { type: "json_schema", json_schema: { name: "answer", strict: true, schema } },
      verbosity: "low",
    }).draft;
    assert.deepEqual(a.text, { format: { type: "json_schema", name: "answer", strict: true, schema }, verbosity: "low" });
    const b = translate({ messages: [user("hi")], response_format: { type: "json_object" } }).draft;
    assert.deepEqual(b.text, { format: { type: "json_object" } });
    assert.equal(translate({ messages: [user("hi")] }).draft.text, undefined);
  });

  test("verbosity other than medium is not sent to *-codex* models (§4.8, pitfall 18)", () => {
    const { draft, warnings } = translate({ model: "gpt-5.2-codex", messages: [user("hi")], verbosity: "low" });
    assert.equal(draft.text, undefined);
    assert.ok(warnings.some((warning) => warning.includes("verbosity")));
  });

  test("dropped sampling and limit fields are listed in warnings and never reach the draft", () => {
    const { draft, warnings } = translate({
      messages: [user("hi")],
      max_completion_tokens: 8192,
      top_p: 0.5,
      seed: 1,
      stop: ["x"],
      logit_bias: {},
      logprobs: true,
      n: 1,
      store: true,
      metadata: { a: "b" },
    });
    for (const key of ["max_completion_tokens", "top_p", "seed", "stop", "logit_bias", "logprobs", "n", "store", "metadata"]) {
      assert.ok(
        warnings.some((warning) => warning.includes(`"${key}"`)),
        `no warning for ${key}`,
      );
      assert.equal(key in draft, false, `${key} leaked into the draft`);
    }
  });

  test("n > 1 is a 400 naming n", () => {
    const error = catchProxyError(() => translate({ messages: [user("hi")], n: 2 }));
    assert.equal(error.status, 400);
    assert.equal(error.param, "n");
    assert.equal(error.type, "invalid_request_error");
  });
});

describe("chat request schema", () => {
  const firstIssuePath = (body: unknown): PropertyKey[] | undefined => chatRequestSchema.safeParse(body).error?.issues[0]?.path;

  test("accepts the golden requests and keeps unknown keys", () => {
    const parsed = parseChat(readFixtureJson("codex/translation/chat-request-tool-call.json"));
    assert.equal((parsed as Json).temperature, 0.2);
  });

  test("rejects wrong types at the field's path", () => {
    assert.deepEqual(firstIssuePath({ messages: [user("a"), user("b"), user(42)] }), ["messages", 2, "content"]);
    assert.deepEqual(firstIssuePath({ messages: [] }), ["messages"]);
    assert.deepEqual(firstIssuePath({}), ["messages"]);
    assert.deepEqual(firstIssuePath({ messages: [{ role: "robot", content: "x" }] }), ["messages", 0, "role"]);
    assert.deepEqual(firstIssuePath({ messages: [{ role: "tool", content: "x" }] }), ["messages", 0, "tool_call_id"]);
    assert.deepEqual(firstIssuePath({ messages: [user("a")], n: "2" }), ["n"]);
    assert.deepEqual(firstIssuePath({ messages: [user("a")], stream: "yes" }), ["stream"]);
    assert.deepEqual(firstIssuePath({ messages: [user("a")], tools: [{ type: "function", function: {} }] }), ["tools", 0, "function", "name"]);
    assert.deepEqual(firstIssuePath({ messages: [user("a")], tool_choice: "sometimes" }), ["tool_choice"]);
  });
});

// ---------------------------------------------------------------------------------------------------
// stream: upstream → chat chunks (§8.3–§8.5)

const GOLDENS = [
  { sse: "text.sse", golden: "text.chat-stream.sse", includeUsage: false },
  { sse: "text-then-tool.sse", golden: "text-then-tool.chat-stream.sse", includeUsage: true },
  { sse: "parallel-tool-calls.sse", golden: "parallel-tool-calls.chat-stream.sse", includeUsage: true },
  { sse: "minimal.sse", golden: "minimal.chat-stream.sse", includeUsage: false },
  { sse: "minimal.sse", golden: "minimal.chat-stream.sse", includeUsage: true }, // no upstream usage → no usage chunk
] as const;

const ALL_TRANSCRIPTS = [
  "text.sse",
  "reasoning-text.sse",
  "tool-call.sse",
  "tool-then-text.sse",
  "text-then-tool.sse",
  "parallel-tool-calls.sse",
  "error-event.sse",
  "error-top-level.sse",
  "failed-context-length.sse",
  "failed-rate-limit.sse",
  "incomplete.sse",
  "truncated.sse",
  "minimal.sse",
  "completed-with-output.sse",
  "tolerant-framing.sse",
];

describe("upstream SSE → chat chunks: goldens (§8.3)", () => {
  for (const { sse, golden, includeUsage } of GOLDENS) {
    test(`${sse} → ${golden} (include_usage ${includeUsage})`, () => {
      const frames = reduce(fixtureEvents(sse), { includeUsage });
      assert.equal(render(frames), readFixtureText(`codex/translation/${golden}`));
    });
  }

  test("created comes from upstream created_at, else the option", () => {
    const withCreatedAt = chunksOf(reduce(fixtureEvents("text.sse"), { created: 5 }));
    assert.ok(withCreatedAt.every((chunk) => chunk.created === 1784541600));
    const without = chunksOf(reduce(fixtureEvents("minimal.sse"), { created: 5 }));
    assert.ok(without.every((chunk) => chunk.created === 5));
  });

  test("every transcript gives the same frames when split at any byte offset", () => {
    for (const name of ALL_TRANSCRIPTS) {
      const bytes = readFixtureBytes(`codex/${name}`);
      const expected = render(reduce(parseEvents([bytes]), { includeUsage: true, includeReasoning: true }));
      assert.ok(expected.length > 0);
      for (let offset = 0; offset <= bytes.length; offset++) {
        const split = parseEvents([bytes.subarray(0, offset), bytes.subarray(offset)]);
        const actual = render(reduce(split, { includeUsage: true, includeReasoning: true }));
        if (actual !== expected) assert.equal(actual, expected, `${name} split at byte ${offset}`);
      }
      const oneByteAtATime = Array.from({ length: bytes.length }, (_, index) => bytes.subarray(index, index + 1));
      assert.equal(render(reduce(parseEvents(oneByteAtATime), { includeUsage: true, includeReasoning: true })), expected, `${name} byte by byte`);
    }
  });
});

describe("upstream SSE → chat chunks: invariants and edge cases", () => {
  const COMPLETING = ALL_TRANSCRIPTS.filter(
    (name) => !["error-event.sse", "error-top-level.sse", "failed-context-length.sse", "failed-rate-limit.sse", "truncated.sse"].includes(name),
  );

  test("role once on the first delta, one finish chunk, [DONE] last, stable id/model", () => {
    for (const name of COMPLETING) {
      const frames = reduce(fixtureEvents(name), { includeUsage: true, id: "chatcmpl-x", model: "client-model" });
      const deltas = deltasOf(frames);
      assert.equal(deltas.filter((delta) => "role" in delta).length, 1, `${name}: role count`);
      assert.equal(deltas[0]?.role, "assistant", `${name}: role on the first delta`);
      assert.equal(finishReasonsOf(frames).length, 1, `${name}: finish chunk count`);
      assert.equal(frames.at(-1), "[DONE]");
      assert.equal(frames.filter((frame) => frame === "[DONE]").length, 1);
      for (const chunk of chunksOf(frames)) {
        assert.equal(chunk.id, "chatcmpl-x");
        assert.equal(chunk.model, "client-model");
        assert.equal(chunk.object, "chat.completion.chunk");
      }
    }
  });

  test("finish_reason: stop, tool_calls, length (incomplete.sse), content_filter", () => {
    assert.deepEqual(finishReasonsOf(reduce(fixtureEvents("text.sse"))), ["stop"]);
    assert.deepEqual(finishReasonsOf(reduce(fixtureEvents("tool-call.sse"))), ["tool_calls"]);
    assert.deepEqual(finishReasonsOf(reduce(fixtureEvents("text-then-tool.sse"))), ["tool_calls"]);
    const incomplete = reduce(fixtureEvents("incomplete.sse"));
    assert.deepEqual(finishReasonsOf(incomplete), ["length"]);
    assert.equal(contentOf(incomplete), "2, 3, 5, 7, 11, 13");
    const filtered = syntheticStream([{ type: "message", id: "msg_1", content: [{ type: "output_text", text: "partial" }] }], {
      type: "response.incomplete",
      response: { status: "incomplete", incomplete_details: { reason: "content_filter" } },
    });
    assert.deepEqual(finishReasonsOf(reduce(filtered)), ["content_filter"]);
  });

  test("parallel calls: index on every tool delta, 0 then 1, first delta has id/type/name/empty arguments", () => {
    const frames = reduce(fixtureEvents("parallel-tool-calls.sse"));
    const calls = deltasOf(frames).flatMap((delta) => (delta.tool_calls as Json[] | undefined) ?? []);
    assert.ok(calls.every((call) => typeof call.index === "number"));
    const starts = calls.filter((call) => "id" in call);
    assert.deepEqual(
      starts.map((call) => [call.index, call.id, call.type, call.function]),
      [
        [0, "call_jSjpJAfUJ6kcHkRRpJjrF7d4", "function", { name: "get_weather", arguments: "" }],
        [1, "call_l28s7ng1851ki7fGyrDsf2Fb", "function", { name: "get_weather", arguments: "" }],
      ],
    );
    const args = (index: number) =>
      calls
        .filter((call) => call.index === index)
        .map((call) => (call.function as Json).arguments)
        .join("");
    assert.equal(args(0), '{"location":"Lisbon, Portugal"}');
    assert.equal(args(1), '{"location":"Porto, Portugal"}');
  });

  test("arguments are keyed by item_id: deltas for the second call never land on the first", () => {
    const events = [
      { type: "response.output_item.added", output_index: 0, item: { id: "fc_a", type: "function_call", call_id: "call_a", name: "f", arguments: "" } },
      { type: "response.output_item.added", output_index: 1, item: { id: "fc_b", type: "function_call", call_id: "call_b", name: "g", arguments: "" } },
      { type: "response.function_call_arguments.delta", item_id: "fc_b", output_index: 1, delta: '{"b":1}' },
      { type: "response.function_call_arguments.delta", item_id: "fc_a", output_index: 0, delta: '{"a":1}' },
      { type: "response.completed", response: {} },
    ];
    const calls = deltasOf(reduce(events)).flatMap((delta) => (delta.tool_calls as Json[] | undefined) ?? []);
    assert.deepEqual(calls.slice(2), [
      { index: 1, function: { arguments: '{"b":1}' } },
      { index: 0, function: { arguments: '{"a":1}' } },
    ]);
  });

  test("arguments only in .done are sent once; a call seen only in output_item.done is sent whole", () => {
    const announcedOnly = [
      { type: "response.output_item.added", output_index: 0, item: { id: "fc_a", type: "function_call", call_id: "call_a", name: "f", arguments: "" } },
      { type: "response.function_call_arguments.done", item_id: "fc_a", output_index: 0, arguments: '{"a":1}' },
      { type: "response.output_item.done", output_index: 0, item: { id: "fc_a", type: "function_call", call_id: "call_a", name: "f", arguments: '{"a":1}' } },
      { type: "response.completed", response: {} },
    ];
    const first = deltasOf(reduce(announcedOnly)).flatMap((delta) => (delta.tool_calls as Json[] | undefined) ?? []);
    assert.deepEqual(first, [
      { index: 0, id: "call_a", type: "function", function: { name: "f", arguments: "" } },
      { index: 0, function: { arguments: '{"a":1}' } },
    ]);
    const doneOnly = syntheticStream([{ id: "fc_z", type: "function_call", call_id: "call_z", name: "h", arguments: "{}" }], {
      type: "response.completed",
      response: {},
    });
    const frames = reduce(doneOnly);
    assert.deepEqual(deltasOf(frames)[0], {
      role: "assistant",
      tool_calls: [{ index: 0, id: "call_z", type: "function", function: { name: "h", arguments: "{}" } }],
    });
    assert.deepEqual(finishReasonsOf(frames), ["tool_calls"]);
  });

  test("a call item without an id (R20) is matched by output_index and announced once", () => {
    const events = [
      { type: "response.output_item.added", output_index: 0, item: { type: "function_call", call_id: "call_n", name: "f", arguments: "" } },
      { type: "response.function_call_arguments.delta", output_index: 0, delta: "{}" },
      { type: "response.output_item.done", output_index: 0, item: { type: "function_call", call_id: "call_n", name: "f", arguments: "{}" } },
      { type: "response.completed", response: {} },
    ];
    const calls = deltasOf(reduce(events)).flatMap((delta) => (delta.tool_calls as Json[] | undefined) ?? []);
    assert.deepEqual(calls, [
      { index: 0, id: "call_n", type: "function", function: { name: "f", arguments: "" } },
      { index: 0, function: { arguments: "{}" } },
    ]);
  });

  test("completed-with-output.sse: the message is not sent twice (§5.8)", () => {
    assert.equal(contentOf(reduce(fixtureEvents("completed-with-output.sse"))), "ok");
  });

  test("items only in the terminal output are still sent, never merged with finished items (§5.8 rules 2–3)", () => {
    const message = { type: "message", content: [{ type: "output_text", text: "once" }] };
    const onlyTerminal = [
      { type: "response.created", response: { id: "r" } },
      { type: "response.completed", response: { output: [message] } },
    ];
    assert.equal(contentOf(reduce(onlyTerminal)), "once");
    const both = [
      { type: "response.created", response: { id: "r" } },
      { type: "response.output_item.done", item: message },
      { type: "response.completed", response: { output: [message] } },
    ];
    assert.equal(contentOf(reduce(both)), "once");
  });

  test("a streamed message is not repeated at output_item.done, whether deltas carry item_id or only output_index", () => {
    const done = { type: "response.output_item.done", output_index: 0, item: { id: "msg_1", type: "message", content: [{ type: "output_text", text: "hi" }] } };
    const byId = [{ type: "response.output_text.delta", item_id: "msg_1", delta: "hi" }, done, { type: "response.completed", response: {} }];
    const byIndex = [{ type: "response.output_text.delta", output_index: 0, delta: "hi" }, done, { type: "response.completed", response: {} }];
    assert.equal(contentOf(reduce(byId)), "hi");
    assert.equal(contentOf(reduce(byIndex)), "hi");
  });

  test("tolerant-framing.sse: CRLF, comments, split data lines and a trailing [DONE] still give the text", () => {
    const frames = reduce(fixtureEvents("tolerant-framing.sse"));
    assert.equal(contentOf(frames), "Tolerant parser.");
    assert.deepEqual(finishReasonsOf(frames), ["stop"]);
  });

  test("refusal deltas go to delta.refusal", () => {
    const events = [
      { type: "response.output_item.added", output_index: 0, item: { id: "msg_r", type: "message", role: "assistant", content: [] } },
      { type: "response.refusal.delta", item_id: "msg_r", output_index: 0, content_index: 0, delta: "I can't" },
      { type: "response.refusal.delta", item_id: "msg_r", output_index: 0, content_index: 0, delta: " help." },
      { type: "response.output_item.done", output_index: 0, item: { id: "msg_r", type: "message", content: [{ type: "refusal", refusal: "I can't help." }] } },
      { type: "response.completed", response: {} },
    ];
    const deltas = deltasOf(reduce(events));
    assert.deepEqual(deltas.slice(0, 2), [{ role: "assistant", refusal: "I can't" }, { refusal: " help." }]);
    assert.equal(deltas.length, 3, "no repeat from output_item.done, then the finish delta");
  });

  test("reasoning summaries: dropped by default, reasoning_content when asked, parts kept apart", () => {
    const events = fixtureEvents("reasoning-text.sse");
    assert.ok(deltasOf(reduce(events)).every((delta) => !("reasoning_content" in delta)));
    const deltas = deltasOf(reduce(events, { includeReasoning: true }));
    const reasoning = deltas.map((delta) => delta.reasoning_content ?? "").join("");
    const done = events.find((event) => event.type === "response.output_item.done" && event.item.type === "reasoning");
    const summaries = ((done as { item: Json }).item.summary as Json[]).map((part) => part.text);
    assert.equal(summaries.length, 2);
    assert.equal(reasoning, summaries.join("\n\n"));
    assert.equal(deltas[0]?.role, "assistant");
    assert.equal(deltas.filter((delta) => "role" in delta).length, 1);
  });

  test("usage chunk: after the finish chunk with choices [], only when asked and sent upstream", () => {
    const frames = reduce(fixtureEvents("tool-call.sse"), { includeUsage: true });
    const usageChunk = frames.at(-2) as unknown as Json;
    assert.deepEqual(usageChunk.choices, []);
    assert.deepEqual(usageChunk.usage, {
      prompt_tokens: 118,
      completion_tokens: 41,
      total_tokens: 159,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 18 },
    });
    assert.equal(finishReasonsOf(frames.slice(0, -2)).length, 1);
    assert.ok(chunksOf(reduce(fixtureEvents("tool-call.sse"))).every((chunk) => !("usage" in chunk)));
  });

  test("an empty answer still carries the role, on the finish chunk", () => {
    const frames = reduce([{ type: "response.completed", response: {} }]);
    assert.deepEqual(deltasOf(frames), [{ role: "assistant" }]);
    assert.deepEqual(finishReasonsOf(frames), ["stop"]);
  });

  test("response.failed mid-stream: text, then an error chunk and [DONE], no finish chunk", () => {
    const frames = reduce(fixtureEvents("error-event.sse"));
    assert.equal(contentOf(frames), "Grey waves fold");
    assert.deepEqual(finishReasonsOf(frames), []);
    assert.deepEqual(frames.slice(-2), [
      {
        error: {
          message: "The model failed while generating this response. You can retry your request.",
          type: "upstream_error",
          param: null,
          code: "server_error",
        },
      },
      "[DONE]",
    ]);
  });

  test("top-level error event: error chunk with its code and message, then [DONE]", () => {
    const frames = reduce(fixtureEvents("error-top-level.sse"));
    assert.deepEqual(frames, [
      { error: { message: "An internal error interrupted this stream.", type: "upstream_error", param: null, code: "server_error" } },
      "[DONE]",
    ]);
  });

  test("truncated stream: finish at EOF gives a stream_truncated error chunk and [DONE]", () => {
    const state = createChatChunkState(options());
    const frames = fixtureEvents("truncated.sse").flatMap((event) => stepChatChunks(state, event));
    assert.equal(contentOf(frames), "Salt wind on the");
    assert.ok(!frames.includes("[DONE]"));
    const end = finishChatChunks(state);
    assert.equal(end.length, 2);
    assert.equal((end[0] as { error: Json }).error.code, "stream_truncated");
    assert.equal((end[0] as { error: Json }).error.type, "upstream_error");
    assert.equal(end[1], "[DONE]");
    assert.deepEqual(finishReasonsOf(frames), []);
  });

  test("after a terminal event, EOF and later events add nothing", () => {
    const state = createChatChunkState(options());
    for (const event of fixtureEvents("text.sse")) stepChatChunks(state, event);
    assert.deepEqual(finishChatChunks(state), []);
    assert.deepEqual(stepChatChunks(state, { type: "response.output_text.delta", item_id: "x", delta: "late" }), []);
  });
});

// ---------------------------------------------------------------------------------------------------
// non-stream fold (§8.5)

describe("upstream SSE → chat.completion (stream: false)", () => {
  const completionOptions = { id: "chatcmpl-fixture", created: 0, model: "gpt-5.4" };

  test("golden: tool-call.sse gives tool-call.chat-completion.json", () => {
    assert.deepEqual(toChatCompletion(fixtureEvents("tool-call.sse"), completionOptions), readFixtureJson("codex/translation/tool-call.chat-completion.json"));
  });

  test("text with a tool call keeps both; tool calls follow output order", () => {
    const completion = toChatCompletion(fixtureEvents("text-then-tool.sse"), completionOptions);
    const choice = (completion.choices as Json[])[0] as Json;
    const message = choice.message as Json;
    assert.equal(message.content, "Let me check the forecast for Porto.");
    assert.deepEqual(message.tool_calls, [
      { id: "call_Tpol87L6vps5UDHG9grEY9YA", type: "function", function: { name: "get_weather", arguments: '{"location":"Porto, Portugal"}' } },
    ]);
    assert.equal(choice.finish_reason, "tool_calls");
    const parallel = toChatCompletion(fixtureEvents("parallel-tool-calls.sse"), completionOptions);
    const calls = ((parallel.choices as Json[])[0] as { message: { tool_calls: Json[] } }).message.tool_calls;
    assert.deepEqual(
      calls.map((call) => call.id),
      ["call_jSjpJAfUJ6kcHkRRpJjrF7d4", "call_l28s7ng1851ki7fGyrDsf2Fb"],
    );
  });

  test("plain text: content, no tool_calls key, stop; minimal has no usage", () => {
    const text = toChatCompletion(fixtureEvents("text.sse"), completionOptions);
    const choice = (text.choices as Json[])[0] as Json;
    assert.deepEqual(choice.message, { role: "assistant", content: "Bonjour ! Comment puis-je vous aider ?" });
    assert.equal(choice.finish_reason, "stop");
    assert.equal(text.created, 1784541600);
    assert.equal(text.usage?.total_tokens, 45);
    const minimal = toChatCompletion(fixtureEvents("minimal.sse"), completionOptions);
    assert.deepEqual(((minimal.choices as Json[])[0] as Json).message, { role: "assistant", content: "Minimal hello." });
    assert.equal("usage" in minimal, false);
    const repeated = toChatCompletion(fixtureEvents("completed-with-output.sse"), completionOptions);
    assert.equal((((repeated.choices as Json[])[0] as Json).message as Json).content, "ok");
  });

  test("incomplete → finish_reason length with the partial text", () => {
    const completion = toChatCompletion(fixtureEvents("incomplete.sse"), completionOptions);
    const choice = (completion.choices as Json[])[0] as Json;
    assert.equal(choice.finish_reason, "length");
    assert.equal((choice.message as Json).content, "2, 3, 5, 7, 11, 13");
  });

  test("failures throw the §6.7 ProxyError", () => {
    const cases = [
      ["failed-context-length.sse", 400, "context_length_exceeded"],
      ["failed-rate-limit.sse", 429, "rate_limit_exceeded"],
      ["error-event.sse", 502, "server_error"],
      ["error-top-level.sse", 502, "server_error"],
      ["truncated.sse", 502, "stream_truncated"],
    ] as const;
    for (const [name, status, code] of cases) {
      const error = catchProxyError(() => toChatCompletion(fixtureEvents(name), completionOptions));
      assert.equal(error.status, status, name);
      assert.equal(error.code, code, name);
      assert.equal(error.type, "upstream_error", name);
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// the small mappers

describe("map-failure (§6.7)", () => {
  const failed = (code: string, message = "m") => ({ type: "response.failed", response: { status: "failed", error: { code, message } } });

  test("status per response.error.code", () => {
    const table: [string, number][] = [
      ["context_length_exceeded", 400],
      ["invalid_prompt", 400],
      ["insufficient_quota", 429],
      ["rate_limit_exceeded", 429],
      ["usage_not_included", 403],
      ["server_is_overloaded", 503],
      ["slow_down", 503],
      ["server_error", 502],
      ["something_new", 502],
    ];
    for (const [code, status] of table) {
      const error = toProxyErrorFromFailure(terminalOf(failed(code, `about ${code}`)));
      assert.equal(error.status, status, code);
      assert.equal(error.code, code);
      assert.equal(error.message, `about ${code}`);
      assert.equal(error.type, "upstream_error");
      assert.equal(error.kind, "upstream_error");
    }
  });

  test("rate limit message gives retry-after in whole seconds", () => {
    const fixture = fixtureEvents("failed-rate-limit.sse").find(isTerminalEvent) ?? null;
    assert.equal(toProxyErrorFromFailure(fixture).headers["retry-after"], "3"); // "try again in 2.5s"
    assert.equal(toProxyErrorFromFailure(terminalOf(failed("rate_limit_exceeded", "try again in 28ms"))).headers["retry-after"], "1");
    assert.equal(toProxyErrorFromFailure(terminalOf(failed("rate_limit_exceeded", "try again in 35 seconds"))).headers["retry-after"], "35");
    assert.deepEqual(toProxyErrorFromFailure(terminalOf(failed("server_error", "try again in 2s"))).headers, {});
  });

  test("error events: top-level or nested fields; upstream type kept when given", () => {
    const top = toProxyErrorFromFailure(terminalOf({ type: "error", code: "slow_down", message: "easy", param: null }));
    assert.deepEqual([top.status, top.code, top.message, top.type], [503, "slow_down", "easy", "upstream_error"]);
    const nested = toProxyErrorFromFailure(
      terminalOf({ type: "error", error: { type: "invalid_request_error", code: "invalid_prompt", message: "no", param: "input" } }),
    );
    assert.deepEqual([nested.status, nested.code, nested.message, nested.type, nested.param], [400, "invalid_prompt", "no", "invalid_request_error", "input"]);
    const bare = toProxyErrorFromFailure(terminalOf({ type: "error" }));
    assert.equal(bare.status, 502);
    assert.equal(bare.code, null);
    assert.ok(bare.message.length > 0);
  });

  test("null (EOF without a terminal event) is a 502 stream_truncated", () => {
    const error = toProxyErrorFromFailure(null);
    assert.equal(error.status, 502);
    assert.equal(error.code, "stream_truncated");
  });
});

describe("map-usage and map-finish-reason (§8.4, §8.5)", () => {
  test("usage: counts mapped, missing details and total fall back to 0 and the sum", () => {
    assert.deepEqual(toChatUsage({ input_tokens: 10, output_tokens: 5, input_tokens_details: null }), {
      prompt_tokens: 10,
      completion_tokens: 5,
      total_tokens: 15,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
    assert.deepEqual(
      toChatUsage({
        input_tokens: 130,
        input_tokens_details: { cached_tokens: 128 },
        output_tokens: 38,
        output_tokens_details: { reasoning_tokens: 14 },
        total_tokens: 168,
      }),
      {
        prompt_tokens: 130,
        completion_tokens: 38,
        total_tokens: 168,
        prompt_tokens_details: { cached_tokens: 128 },
        completion_tokens_details: { reasoning_tokens: 14 },
      },
    );
    assert.equal(toChatUsage(undefined), null);
    assert.equal(toChatUsage(null), null);
  });

  test("finish reasons per terminal event", () => {
    const incomplete = (reason: unknown) => ({ type: "response.incomplete", response: { incomplete_details: { reason } } });
    assert.equal(mapFinishReason(terminalOf({ type: "response.completed", response: {} }), false), "stop");
    assert.equal(mapFinishReason(terminalOf({ type: "response.completed", response: {} }), true), "tool_calls");
    assert.equal(mapFinishReason(terminalOf(incomplete("max_output_tokens")), false), "length");
    assert.equal(mapFinishReason(terminalOf(incomplete("max_tokens")), false), "length");
    assert.equal(mapFinishReason(terminalOf(incomplete("content_filter")), false), "content_filter");
    assert.equal(mapFinishReason(terminalOf(incomplete("something_else")), false), "length");
    assert.equal(mapFinishReason(terminalOf({ type: "response.failed", response: {} }), false), null);
  });
});
