// Streaming scenarios B1–B6, B11–B15, B17, B18 of spec §12.2 as event lists, modelled on the fixture transcripts.
// HTTP-level scenarios (B8, B9, B16) live in http-scenarios.ts; pacing and aborts in sse.ts.
import type { ResponseIds } from "./ids.ts";
import { responseObject } from "./response-object.ts";
import { findDirective, lastToolOutputText, offeredTools, type OfferedTool } from "./select.ts";
import { createTurn, defaultDeltas, type Turn, type WireEvent } from "./turn.ts";
import type { ScenarioName, ScenarioOptions } from "./types.ts";
import type { Usage } from "./usage.ts";
import { isObject } from "./wire.ts";

export interface ScenarioContext {
  body: Record<string, unknown>;
  ids: ResponseIds;
  nowSec: number;
  completedOutput: "empty" | "populated";
  /** Issues an encrypted_content blob for the caller's account (R20). */
  issueBlob: () => string;
  /** B7 usage for this request, given the emitted text and the hidden reasoning text. */
  usage: (emittedText: string, reasoningText: string) => Usage;
}

export interface StreamPlan {
  events: WireEvent[];
  /** false only for `minimal` (B18): no sequence_number. */
  numbered: boolean;
  /** close: normal EOF; drop: the connection dies (B15); hang: silence until the client goes away. */
  ending: "close" | "drop" | "hang";
  midLine: boolean;
  /** `disconnect` with midLine: the event whose first half is written before the drop. */
  partialEvent?: WireEvent;
  output: unknown[];
  responseId?: string;
}

/** Default `response.failed` messages per code (B11), from the fixtures where one exists. */
export const FAIL_MESSAGES: Record<string, string> = {
  server_error: "The model failed while generating this response. You can retry your request.",
  rate_limit_exceeded: "Rate limit reached for this model on tokens per min. Please try again in 2.5s.",
  context_length_exceeded: "Your input exceeds the context window of this model. Please adjust your input and try again.",
  insufficient_quota: "You exceeded your current quota, please check your plan and billing details.",
  server_is_overloaded: "The server is currently overloaded with other requests. Please retry your request.",
};

const TOP_LEVEL_ERROR_MESSAGE = "An internal error interrupted this stream.";

/** Scenarios whose answer is a stream (everything except usage-limit, rate-limit and http-error). */
export function isStreamingScenario(name: ScenarioName): boolean {
  return name !== "usage-limit" && name !== "rate-limit" && name !== "http-error";
}

function summaryRequested(body: Record<string, unknown>): boolean {
  const summary = isObject(body.reasoning) ? body.reasoning.summary : undefined;
  return typeof summary === "string" && summary !== "" && summary !== "none";
}

function blobsIncluded(body: Record<string, unknown>): boolean {
  return Array.isArray(body.include) && body.include.includes("reasoning.encrypted_content");
}

/** A value valid for a JSON schema (first enum/const/type branch; required properties only). */
export function sampleFromSchema(schema: unknown, depth = 0): unknown {
  if (!isObject(schema) || depth > 8) return {};
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  for (const key of ["anyOf", "oneOf", "allOf"]) {
    const branches = schema[key];
    if (Array.isArray(branches) && branches.length > 0) return sampleFromSchema(branches[0], depth + 1);
  }
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  switch (type) {
    case "string":
      return "example";
    case "number":
    case "integer":
      return typeof schema.minimum === "number" ? schema.minimum : 1;
    case "boolean":
      return true;
    case "null":
      return null;
    case "array": {
      const min = typeof schema.minItems === "number" ? schema.minItems : 0;
      return Array.from({ length: min }, () => sampleFromSchema(schema.items, depth + 1));
    }
    default: {
      const properties = isObject(schema.properties) ? schema.properties : {};
      const required = Array.isArray(schema.required) ? schema.required.filter((k): k is string => typeof k === "string") : [];
      return Object.fromEntries(required.map((key) => [key, sampleFromSchema(properties[key], depth + 1)]));
    }
  }
}

/** Function tools the request offers (top level, then Responses Lite `additional_tools`; namespaces flattened). */
function functionTools(body: Record<string, unknown>): OfferedTool[] {
  return offeredTools(body).filter((t) => t.type === "function");
}

function argumentsFor(tool: OfferedTool | undefined): string {
  return JSON.stringify(sampleFromSchema(tool?.tool.parameters ?? { type: "object", properties: {} }));
}

export interface PlannedCall {
  name: string;
  arguments: string;
  namespace?: string;
}

/**
 * The function calls of a tool scenario (B3/B4): `calls`, else toolName/toolArguments, else the CALL_TOOL directive,
 * else the first function tool with schema-valid arguments. `count` 2 asks for two calls (B4). A namespaced tool's
 * call carries its `namespace` (§13.1).
 */
export function resolveCalls(body: Record<string, unknown>, options: ScenarioOptions, count: 1 | 2): PlannedCall[] {
  if (options.calls && options.calls.length > 0) return options.calls;
  const tools = functionTools(body);
  const all = offeredTools(body);
  const directive = findDirective(body);
  const withNamespace = (name: string, args: string): PlannedCall => {
    const namespace = all.find((t) => t.name === name)?.namespace;
    return namespace === undefined ? { name, arguments: args } : { name, arguments: args, namespace };
  };
  let first: PlannedCall;
  if (options.toolName !== undefined) {
    const tool = all.find((t) => t.name === options.toolName);
    first = withNamespace(options.toolName, options.toolArguments ?? argumentsFor(tool));
  } else if (directive) {
    first = withNamespace(directive.name, options.toolArguments ?? directive.arguments);
  } else {
    const tool = tools[0];
    first = tool ? withNamespace(tool.name, options.toolArguments ?? argumentsFor(tool)) : { name: "get_weather", arguments: options.toolArguments ?? "{}" };
  }
  if (count === 1) return [first];
  const second = options.toolName === undefined && !directive ? tools[1] : undefined;
  return [first, second ? withNamespace(second.name, options.toolArguments ?? argumentsFor(second)) : { ...first }];
}

/** The freeform call of `custom-tool-call`: toolName/toolInput, else the directive, else the first `custom` tool. */
export function resolveCustomCall(body: Record<string, unknown>, options: ScenarioOptions): { name: string; input: string } {
  const directive = findDirective(body);
  const name = options.toolName ?? directive?.name ?? offeredTools(body).find((t) => t.type === "custom")?.name ?? "apply_patch";
  const input = options.toolInput ?? (directive && directive.name === name ? directive.input : undefined) ?? "example";
  return { name, input };
}

function addCalls(turn: Turn, calls: PlannedCall[]): void {
  for (const call of calls) turn.addFunctionCall(call.name, call.arguments, defaultDeltas(call.arguments, 8), call.namespace);
}

/** The item part of a scenario; texts default to "hello" (B1) and `tool said: <output>` (B6). */
function buildTurn(scenario: ScenarioName, options: ScenarioOptions, ctx: ScenarioContext): Turn {
  const turn = createTurn({ ids: ctx.ids, issueBlob: blobsIncluded(ctx.body) ? ctx.issueBlob : undefined });
  const body = ctx.body;
  const text = options.text ?? (scenario === "tool-then-text" ? `tool said: ${lastToolOutputText(body)}` : "hello");
  const deltas = options.deltas ?? defaultDeltas(text, 4);
  const summary = summaryRequested(body);
  switch (scenario) {
    case "reasoning-text":
      turn.addReasoning(
        ["**Reading the question**\n\nThe user asked something short; a direct answer fits.", "**Checking the answer**\n\nThe answer is complete."],
        summary,
      );
      turn.addMessage(text, deltas);
      break;
    case "tool-call": {
      const calls = resolveCalls(body, options, 1);
      turn.addReasoning([`**Choosing a tool**\n\nThis needs \`${calls[0]?.name ?? "a tool"}\`, so I will call it.`], summary);
      addCalls(turn, calls);
      break;
    }
    case "parallel-tool-calls":
      if (body.parallel_tool_calls === true) addCalls(turn, resolveCalls(body, options, 2));
      else return buildTurn("tool-call", options, ctx);
      break;
    case "text-then-tool": {
      const calls = resolveCalls(body, options, 1);
      turn.addReasoning([`**Deciding on a lookup**\n\nI will say what I am doing, then call \`${calls[0]?.name ?? "a tool"}\`.`], summary);
      const commentary = options.text ?? "Let me check.";
      turn.addMessage(commentary, options.deltas ?? defaultDeltas(commentary, 4), { phase: "commentary" });
      addCalls(turn, calls);
      break;
    }
    case "custom-tool-call": {
      const call = resolveCustomCall(body, options);
      turn.addReasoning([`**Choosing a tool**\n\nThis needs \`${call.name}\`, so I will call it.`], summary);
      turn.addCustomToolCall(call.name, call.input, defaultDeltas(call.input, 8));
      break;
    }
    case "compaction":
      // §13.4: a v2 compaction answers with exactly one compaction item and no message.
      turn.addCompaction(ctx.issueBlob());
      break;
    case "incomplete":
      turn.addMessage(text, deltas, { status: "incomplete" });
      break;
    default:
      turn.addMessage(text, deltas);
  }
  return turn;
}

/** Builds the full event list of a streaming scenario. */
export function buildStreamPlan(scenario: ScenarioName, options: ScenarioOptions, ctx: ScenarioContext): StreamPlan {
  const { body, ids, nowSec } = ctx;
  const id = ids.responseId;
  if (scenario === "minimal") return minimalPlan(options, ctx);
  const turn = buildTurn(scenario, options, ctx);
  const base = { id, createdAt: nowSec };
  const opening: WireEvent[] = [
    { type: "response.created", response: responseObject(body, { ...base, status: "in_progress" }) },
    { type: "response.in_progress", response: responseObject(body, { ...base, status: "in_progress" }) },
  ];
  const beforeTerminal = [...opening, ...turn.events];
  const cut = (k: number | undefined, fallback: number) => beforeTerminal.slice(0, Math.max(0, Math.min(k ?? fallback, beforeTerminal.length)));
  const plan = (events: WireEvent[], ending: StreamPlan["ending"]): StreamPlan => ({
    events,
    numbered: true,
    ending,
    midLine: options.midLine === true,
    output: events.filter((e) => e.type === "response.output_item.done").map((e) => e.item),
    responseId: id,
  });
  const usage = () => ctx.usage(turn.emittedText(), turn.reasoningText());
  switch (scenario) {
    case "failed": {
      const code = options.failCode ?? "server_error";
      const error = { code, message: options.failMessage ?? FAIL_MESSAGES[code] ?? `The request failed with ${code}.` };
      return plan([...cut(options.afterEvents, 6), { type: "response.failed", response: responseObject(body, { ...base, status: "failed", error }) }], "close");
    }
    case "error-event":
      return plan(
        [
          ...cut(options.afterEvents, 2),
          { type: "error", code: options.failCode ?? "server_error", message: options.failMessage ?? TOP_LEVEL_ERROR_MESSAGE, param: null },
        ],
        "close",
      );
    case "disconnect": {
      const events = cut(options.afterEvents, 6);
      const next = beforeTerminal[events.length];
      return { ...plan(events, "drop"), ...(options.midLine === true && next ? { partialEvent: next } : {}) };
    }
    case "hang":
      return plan(cut(options.afterEvents, 0), "hang");
    case "incomplete":
      return plan(
        [
          ...beforeTerminal,
          {
            type: "response.incomplete",
            response: responseObject(body, {
              ...base,
              status: "incomplete",
              incompleteReason: options.incompleteReason ?? "max_output_tokens",
              usage: usage(),
            }),
          },
        ],
        "close",
      );
    default: {
      const populated = scenario === "completed-with-output" || ctx.completedOutput === "populated";
      const completed = responseObject(body, {
        ...base,
        status: "completed",
        completedAt: nowSec,
        output: populated ? turn.output : [],
        usage: usage(),
      });
      return plan([...beforeTerminal, { type: "response.completed", response: completed }], "close");
    }
  }
}

// B18, shaped like minimal.sse: no sequence_number, no output_item.added, no deltas, no usage.
function minimalPlan(options: ScenarioOptions, ctx: ScenarioContext): StreamPlan {
  const id = ctx.ids.responseId;
  const item = { type: "message", role: "assistant", content: [{ type: "output_text", text: options.text ?? "hello" }] };
  return {
    events: [
      { type: "response.created", response: { id } },
      { type: "response.output_item.done", item },
      { type: "response.completed", response: { id, output: ctx.completedOutput === "populated" ? [item] : [] } },
    ],
    numbered: false,
    ending: "close",
    midLine: false,
    output: [item],
    responseId: id,
  };
}
