// Body rules R4–R22 of spec §12.1 for POST {base}/responses, checked in order; the first failure wins.
// Item-level rules R13–R20 live in input-rules.ts. Auth rules R1–R3 live in tokens.ts / index.ts.
//
// Period of each rule here (codex-backend.md §13 wins over §§1–12; "late 2026" = what the CLI 0.169 sends, captured
// in test/fixtures/codex-cli-0.169/ [OBSERVED], or §13 [REPORTED]):
// | Rule | April 2026 (§4, §12.1) | Late 2026 (default) |
// |---|---|---|
// | R7 instructions | required, non-blank | may be absent when an `input` item has role `developer` (§13.1, every capture); a present value must still be a non-blank string |
// | R8 allow-list | the §4.3 keys | the same plus `stream_options` (§13 preamble [REPORTED]: the CLI sends it on its ChatGPT path) |
// | R21 tools | unchanged: the CLI's `custom`, `namespace`, `tool_search`, `web_search` are all in the §4.7 list | — |
import { checkInput } from "./input-rules.ts";
import { allowedVerbosities, sortEfforts } from "./models.ts";
import { detail, envelope, isObject, quoteList, shown, typeWord, type Rejection } from "./wire.ts";

/** §4.3 allow-list of top-level keys. */
export const ALLOWED_KEYS = [
  "model",
  "instructions",
  "input",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "reasoning",
  "store",
  "stream",
  "include",
  "service_tier",
  "prompt_cache_key",
  "text",
  "client_metadata",
  // late 2026, §13 preamble [REPORTED: vllm-project/agentic-api#163, router-for-me/EasyCLIProxyAPI PR #187]
  "stream_options",
] as const;

/** §4.7 tool types accepted by R21, in the row's order. */
export const TOOL_TYPES = ["function", "web_search", "local_shell", "custom", "image_generation", "namespace", "tool_search"] as const;
const NAMED_TOOL_TYPES = new Set(["function", "custom", "namespace"]);

/**
 * R7 modes: `developer-or-nonempty` (default, late 2026 §13.1: absent is fine next to developer input, present must be
 * non-blank), `required-nonempty` (April 2026, §4.5), `required-present`, `must-match:<text>` (2025), `off`.
 */
export type InstructionsMode = "developer-or-nonempty" | "required-nonempty" | "required-present" | "off" | `must-match:${string}`;

export interface BodyRuleContext {
  instructionsMode: InstructionsMode;
  models: Record<string, readonly string[]>;
  requireToolOutput: boolean;
  itemIds: "accept-prefixed" | "reject";
  /** §13.5: catalogue models the account may not use (R9 refuses them). */
  gatedModels: ReadonlySet<string>;
  isIssuedBlob(blob: string): boolean;
}

/** R4: media type application/json (parameters allowed) and a JSON object body. */
export function parseJsonBody(contentType: string | null, rawBody: string): { body: Record<string, unknown> } | Rejection {
  const mediaType = (contentType ?? "").split(";")[0]?.trim().toLowerCase();
  const invalid = detail(400, "Invalid JSON body");
  if (mediaType !== "application/json") return invalid;
  try {
    const body: unknown = JSON.parse(rawBody);
    return isObject(body) ? { body } : invalid;
  } catch {
    return invalid;
  }
}

/** R5–R22 on a parsed body; null when the body is acceptable. */
export function checkBody(body: Record<string, unknown>, ctx: BodyRuleContext): Rejection | null {
  // R5, R6
  if (body.stream !== true) return detail(400, "Stream must be set to true");
  if (body.store !== false) return detail(400, "Store must be set to false");
  // R7
  const instructionsFailure = checkInstructions(body, ctx.instructionsMode);
  if (instructionsFailure) return instructionsFailure;
  // R8: the first offender in body order
  for (const key of Object.keys(body)) {
    if (!(ALLOWED_KEYS as readonly string[]).includes(key)) return detail(400, `Unsupported parameter: ${key}`);
  }
  // R9
  const model = body.model;
  const efforts = typeof model === "string" && Object.hasOwn(ctx.models, model) ? ctx.models[model] : undefined;
  if (typeof model !== "string" || efforts === undefined || ctx.gatedModels.has(model)) {
    return detail(400, `The '${typeof model === "string" ? model : ""}' model is not supported when using Codex with a ChatGPT account.`);
  }
  // R10
  const effort = isObject(body.reasoning) ? body.reasoning.effort : undefined;
  if (effort !== undefined && effort !== null && !(typeof effort === "string" && efforts.includes(effort))) {
    return unsupportedValue(shown(effort), model, sortEfforts(efforts), "reasoning.effort");
  }
  // R11
  const verbosity = isObject(body.text) ? body.text.verbosity : undefined;
  const verbosities = allowedVerbosities(model);
  if (verbosity !== undefined && verbosity !== null && !(typeof verbosity === "string" && verbosities.includes(verbosity))) {
    return unsupportedValue(shown(verbosity), model, verbosities, "text.verbosity");
  }
  // R12
  if (!Array.isArray(body.input)) {
    return envelope("Invalid type for 'input': expected an array of input items.", "input", "invalid_type");
  }
  // R13–R20
  const inputFailure = checkInput(body.input, ctx);
  if (inputFailure) return inputFailure;
  // R21, R22
  return checkTools(body) ?? checkFieldTypes(body);
}

function unsupportedValue(value: string, model: string, allowed: readonly string[], param: string): Rejection {
  return envelope(
    `Unsupported value: '${value}' is not supported with the '${model}' model. Supported values are: ${quoteList(allowed)}.`,
    param,
    "unsupported_value",
  );
}

// R7 (§4.5)
function checkInstructions(body: Record<string, unknown>, mode: InstructionsMode): Rejection | null {
  if (mode === "off") return null;
  const value = body.instructions;
  const required = detail(400, "Instructions are required");
  if (mode === "developer-or-nonempty" && value === undefined && hasDeveloperInput(body.input)) return null;
  if (typeof value !== "string") return required;
  if ((mode === "required-nonempty" || mode === "developer-or-nonempty") && value.trim() === "") return required;
  if (mode.startsWith("must-match:") && value !== mode.slice("must-match:".length)) return detail(400, "Instructions are not valid");
  return null;
}

/** §13.1: the CLI 0.169 sends no `instructions`; its base prompt is a `developer` message (every capture). */
function hasDeveloperInput(input: unknown): boolean {
  return Array.isArray(input) && input.some((item) => isObject(item) && item.role === "developer");
}

// R21
function checkTools(body: Record<string, unknown>): Rejection | null {
  if (!("tools" in body)) return null;
  const tools = body.tools;
  if (!Array.isArray(tools)) {
    return envelope(`Invalid type for 'tools': expected an array, but got ${typeWord(tools)} instead.`, "tools", "invalid_type");
  }
  for (const [n, tool] of tools.entries()) {
    const type = isObject(tool) ? tool.type : undefined;
    if (typeof type !== "string" || !(TOOL_TYPES as readonly string[]).includes(type)) {
      return envelope(`Invalid value: '${shown(type)}'. Supported values are: ${quoteList(TOOL_TYPES)}.`, `tools[${n}].type`, "invalid_value");
    }
    if (!NAMED_TOOL_TYPES.has(type) || !isObject(tool)) continue;
    if (typeof tool.name !== "string") {
      return envelope(`Missing required parameter: 'tools[${n}].name'.`, `tools[${n}].name`, "missing_required_parameter");
    }
    if (tool.name.length > 64) {
      return envelope(
        `Invalid 'tools[${n}].name': string too long. Expected a string with maximum length 64, but got a string with length ${tool.name.length} instead.`,
        `tools[${n}].name`,
        "string_above_max_length",
      );
    }
  }
  return null;
}

// R22, keys in the row's order
const FIELD_TYPES: ReadonlyArray<[key: string, expected: string, ok: (v: unknown) => boolean]> = [
  ["parallel_tool_calls", "a boolean", (v) => typeof v === "boolean"],
  ["tool_choice", "a string or an object", (v) => typeof v === "string" || isObject(v)],
  ["include", "an array of strings", (v) => Array.isArray(v) && v.every((x) => typeof x === "string")],
  ["reasoning", "an object or null", (v) => v === null || isObject(v)],
  ["text", "an object", (v) => isObject(v)],
  ["prompt_cache_key", "a string", (v) => typeof v === "string"],
];

function checkFieldTypes(body: Record<string, unknown>): Rejection | null {
  for (const [key, expected, ok] of FIELD_TYPES) {
    if (key in body && !ok(body[key])) {
      return envelope(`Invalid type for '${key}': expected ${expected}, but got ${typeWord(body[key])} instead.`, key, "invalid_type");
    }
  }
  return null;
}
