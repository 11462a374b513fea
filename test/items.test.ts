// The item and tool views (src/schemas/items.ts; docs/backend.md §4.6, §4.7, §5.5): known shapes narrow to the wire
// object itself, a known type with wrong field shapes and an unknown type land in "unknown" with the object unchanged.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { toContentPart, toItem, toRawItem, toRawTool, toTool } from "../src/schemas/items.ts";
import { findOrphanOutputs, toRememberedCalls } from "../src/session/restore-tool-calls.ts";
import { toFlatTool } from "../src/translate/normalize-tools.ts";
import { readFixtureJson } from "./support/read-fixture.ts";

type Json = Record<string, unknown>;

describe("toItem", () => {
  const known: Json[] = [
    { type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] },
    { type: "message", role: "user", content: "shorthand" },
    { id: "msg_1", type: "message", status: "in_progress", content: [], role: "assistant" },
    { type: "function_call", call_id: "call_1", name: "get_weather", arguments: '{"location":"Paris"}' },
    { id: "fc_1", type: "function_call", status: "in_progress", arguments: "", call_id: "call_1", name: "f" },
    { type: "function_call_output", call_id: "call_1", output: "sunny" },
    { type: "function_call_output", call_id: "call_1", output: [{ type: "input_text", text: "sunny" }] },
    { type: "custom_tool_call", call_id: "call_2", name: "apply_patch", input: "*** Begin Patch" },
    { type: "custom_tool_call_output", call_id: "call_2", output: "ok" },
    { type: "local_shell_call", call_id: "call_3", status: "completed", action: { type: "exec", command: ["ls"] } },
    { type: "reasoning", summary: [{ type: "summary_text", text: "t" }], encrypted_content: "gAAAA" },
    { type: "reasoning", summary: [], encrypted_content: null },
    { type: "compaction_trigger" },
    { type: "item_reference", id: "msg_1" },
  ];
  for (const item of known) {
    test(`${String(item.type)} narrows to the object itself`, () => {
      const view = toItem(item);
      assert.equal(view.type, item.type);
      assert.equal(view, item); // no copy, no wrapper
      assert.equal(toRawItem(view), item);
    });
  }

  const unknown: [string, Json][] = [
    ["an unread type", { type: "web_search_call", id: "ws_1", status: "completed", action: { type: "search", query: "q" } }],
    ["a late-2026 type", { type: "additional_tools", id: "at_1", role: "developer", tools: [{ type: "namespace", name: "functions", tools: [] }] }],
    ["compaction", { type: "compaction", encrypted_content: "gAAAA" }],
    ["function_call with non-string arguments", { type: "function_call", call_id: "call_1", name: "f", arguments: { location: "Paris" } }],
    ["function_call with a numeric call_id", { type: "function_call", call_id: 7, name: "f", arguments: "{}" }],
    ["message with object content", { type: "message", role: "user", content: { text: "hi" } }],
    ["reasoning with a string summary", { type: "reasoning", summary: "t" }],
    ["an output with a numeric call_id", { type: "function_call_output", call_id: 1, output: "x" }],
    ["no type", { role: "user", content: "hi" }],
    ["a numeric type", { type: 3 }],
  ];
  for (const [what, item] of unknown) {
    test(`${what} is unknown and kept identical`, () => {
      const before = JSON.stringify(item);
      const view = toItem(item);
      assert.equal(view.type, "unknown");
      if (view.type !== "unknown") return;
      assert.equal(view.raw, item);
      assert.equal(view.name, typeof item.type === "string" ? item.type : undefined);
      assert.equal(toRawItem(view), item);
      assert.equal(JSON.stringify(item), before);
    });
  }

  test("every input item of the captured CLI requests narrows without a change to its bytes", () => {
    for (const name of ["classic-gpt-5.5.turn1.request.json", "classic-gpt-5.5.turn2.request.json", "lite-gpt-5.6-sol.turn1.request.json"]) {
      const { body } = readFixtureJson<{ body: { input: Json[]; tools?: Json[] } }>(`codex-cli-0.169/${name}`);
      const { input } = body;
      assert.ok(input.length > 0, name);
      const before = JSON.stringify(input);
      const views = input.map(toItem);
      assert.equal(JSON.stringify(views.map(toRawItem)), before, name);
      const tools = body.tools ?? [];
      const toolsBefore = JSON.stringify(tools);
      assert.equal(JSON.stringify(tools.map(toTool).map(toRawTool)), toolsBefore, name);
    }
  });
});

describe("toTool", () => {
  const known: Json[] = [
    { type: "function", name: "get_weather", description: "", strict: false, parameters: { type: "object", properties: {} } },
    { type: "function", function: { name: "get_weather", parameters: { type: "object" } } },
    { type: "function", name: "f", function: null },
    { type: "custom", name: "apply_patch", description: "d", format: { type: "grammar", syntax: "lark", definition: "start: x" } },
    { type: "web_search", external_web_access: true },
    { type: "web_search_preview" },
  ];
  for (const tool of known) {
    test(`${String(tool.type)} narrows to the object itself`, () => {
      const view = toTool(tool);
      assert.equal(view.type, tool.type);
      assert.equal(view, tool);
      assert.equal(toRawTool(view), tool);
    });
  }

  const unknown: [string, Json][] = [
    ["namespace", { type: "namespace", name: "functions", tools: [{ type: "function", name: "f" }] }],
    ["tool_search", { type: "tool_search" }],
    ["function with a string function field", { type: "function", function: "get_weather" }],
    ["function with a numeric name", { type: "function", name: 3 }],
    ["custom with an object name", { type: "custom", name: { x: 1 } }],
    ["no type", { name: "f" }],
  ];
  for (const [what, tool] of unknown) {
    test(`${what} is unknown and kept identical`, () => {
      const before = JSON.stringify(tool);
      const view = toTool(tool);
      assert.equal(view.type, "unknown");
      if (view.type !== "unknown") return;
      assert.equal(view.raw, tool);
      assert.equal(JSON.stringify(tool), before);
    });
  }

  test("toFlatTool passes unknown and custom tools on as the same object, and rewrites only what it knows", () => {
    const namespace = { type: "namespace", name: "functions", tools: [{ type: "function", name: "f" }] };
    const custom = { type: "custom", name: "apply_patch", format: { type: "text" } };
    const search = { type: "web_search" };
    assert.equal(toFlatTool(namespace), namespace);
    assert.equal(toFlatTool(custom), custom);
    assert.equal(toFlatTool(search), search);
    assert.deepEqual(toFlatTool({ type: "web_search_preview", search_context_size: "low" }), { type: "web_search", search_context_size: "low" });
    assert.deepEqual(toFlatTool({ type: "function", function: { name: "f", description: null } }), {
      type: "function",
      name: "f",
      description: "",
      strict: false,
      parameters: { type: "object", properties: {} },
    });
  });
});

describe("readers on the view", () => {
  test("outputs of custom and local-shell calls pair like function calls; malformed ones are not paired", () => {
    const input: Json[] = [
      { type: "local_shell_call", call_id: "a" },
      { type: "function_call_output", call_id: "a", output: "x" },
      { type: "custom_tool_call_output", call_id: "b", output: "y" },
      { type: "function_call_output", call_id: 5, output: "z" },
    ];
    assert.deepEqual(findOrphanOutputs(input), ["b"]);
  });

  test("remembered calls keep only what a replay needs", () => {
    const output: Json[] = [
      { id: "fc_1", type: "function_call", status: "completed", call_id: "c1", name: "f", arguments: "{}" },
      { id: "ctc_1", type: "custom_tool_call", status: "completed", call_id: "c2", name: "apply_patch" },
      { id: "fc_2", type: "function_call", name: "no_call_id", arguments: "{}" },
      { id: "ws_1", type: "web_search_call", call_id: "c3" },
    ];
    assert.deepEqual(toRememberedCalls(output), [
      { type: "function_call", call_id: "c1", name: "f", arguments: "{}" },
      { type: "custom_tool_call", call_id: "c2", name: "apply_patch", input: "" },
    ]);
  });
});

describe("toContentPart", () => {
  const known: Json[] = [
    { type: "output_text", text: "hi", annotations: [] },
    { type: "output_text", text: "" },
    { type: "input_text", text: "hi" },
    { type: "summary_text", text: "thinking" },
    { type: "refusal", refusal: "no" },
    { type: "input_image", image_url: "data:image/png;base64,AAAA" },
    { type: "input_file", file_data: "JVBERi0=", filename: "a.pdf" },
  ];
  for (const part of known) {
    test(`${String(part.type)} narrows to the object itself`, () => {
      const view = toContentPart(part);
      assert.equal(view.type, part.type);
      assert.equal(view, part); // a patch through the view (annotations) patches the wire
    });
  }
  const unknown: [string, unknown][] = [
    ["output_text without text", { type: "output_text" }],
    ["output_text with a number", { type: "output_text", text: 3 }],
    ["refusal without its text", { type: "refusal", text: "no" }],
    ["an unread type", { type: "output_audio", data: "AAAA" }],
    ["no type", { text: "x" }],
    ["a string", "just text"],
    ["null", null],
  ];
  for (const [what, part] of unknown) {
    test(`${what} is unknown and kept as it came`, () => {
      const view = toContentPart(part);
      assert.equal(view.type, "unknown");
      assert.equal(view.type === "unknown" ? view.raw : undefined, part);
    });
  }
});
