// Scenario choice when nothing is queued (spec §12.2, clients.md §6): a `[[emu:<scenario>]]` marker, else the
// CALL_TOOL / tool-then-text script, else `text` "hello". Also reads the conversation for the tool scenarios.
import { itemType } from "./input-rules.ts";
import type { ScenarioName, ScenarioOptions } from "./types.ts";
import { isObject } from "./wire.ts";

export const SCENARIO_NAMES: readonly ScenarioName[] = [
  "text",
  "reasoning-text",
  "tool-call",
  "parallel-tool-calls",
  "text-then-tool",
  "tool-then-text",
  "usage-limit",
  "rate-limit",
  "failed",
  "error-event",
  "incomplete",
  "slow",
  "disconnect",
  "http-error",
  "completed-with-output",
  "minimal",
  "hang",
  "custom-tool-call",
  "compaction",
];

export function isScenarioName(name: string): name is ScenarioName {
  return (SCENARIO_NAMES as readonly string[]).includes(name);
}

export interface Choice {
  scenario: ScenarioName;
  options: ScenarioOptions;
}

/** Thrown for a marker that names no scenario or carries bad JSON; the emulator answers 400 so the typo shows. */
export class MarkerError extends Error {}

function items(body: Record<string, unknown>): unknown[] {
  return Array.isArray(body.input) ? body.input : [];
}

/** Text of a message item: a string content, or its text parts joined. */
export function messageText(item: unknown): string {
  if (!isObject(item)) return "";
  if (typeof item.content === "string") return item.content;
  if (!Array.isArray(item.content)) return "";
  return item.content.map((part) => (isObject(part) && typeof part.text === "string" ? part.text : "")).join("");
}

function isRoleMessage(item: unknown, role: string): boolean {
  return isObject(item) && itemType(item) === "message" && item.role === role;
}

/** opencode sends the prompt JSON-quoted (clients.md §3.3), so `\"` is unescaped before scanning. */
function unescapeQuotes(text: string): string {
  return text.replace(/\\"/g, '"');
}

function lastIndexWhere(list: unknown[], test: (item: unknown) => boolean): number {
  for (let i = list.length - 1; i >= 0; i -= 1) if (test(list[i])) return i;
  return -1;
}

/** Index of the last function_call_output or custom_tool_call_output (§13.1: the CLI's custom tools), or -1. */
function lastOutputIndex(input: unknown[]): number {
  return lastIndexWhere(input, (item) => itemType(item) === "function_call_output" || itemType(item) === "custom_tool_call_output");
}

/** Texts of the user messages after the last function_call_output, oldest first, with `\"` unescaped. */
function userTextsAfterLastOutput(input: unknown[]): string[] {
  return input
    .slice(lastOutputIndex(input) + 1)
    .filter((item) => isRoleMessage(item, "user"))
    .map((item) => unescapeQuotes(messageText(item)));
}

/** The balanced JSON object that starts at `text[start]` (a `{`), or undefined. */
function balancedObject(text: string, start: number): string | undefined {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i += 1) {
    const ch = text[i];
    if (inString) {
      if (ch === "\\") i += 1;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === "{") depth += 1;
    else if (ch === "}") {
      depth -= 1;
      if (depth === 0) return text.slice(start, i + 1);
    }
  }
  return undefined;
}

/** A tool the request offers: top-level `tools`, or (Responses Lite, §13.1) an `additional_tools` input item; namespaces flattened. */
export interface OfferedTool {
  name: string;
  type: string;
  /** The enclosing `namespace` tool's name, if any. */
  namespace?: string;
  tool: Record<string, unknown>;
}

function flattenTools(list: unknown, namespace: string | undefined, out: OfferedTool[]): void {
  if (!Array.isArray(list)) return;
  for (const tool of list) {
    if (!isObject(tool) || typeof tool.type !== "string") continue;
    if (tool.type === "namespace") {
      flattenTools(tool.tools, typeof tool.name === "string" ? tool.name : undefined, out);
      continue;
    }
    if (typeof tool.name !== "string") continue;
    out.push({ name: tool.name, type: tool.type, ...(namespace === undefined ? {} : { namespace }), tool });
  }
}

/** Every named tool of the request, in order: top-level tools first, then those of `additional_tools` items. */
export function offeredTools(body: Record<string, unknown>): OfferedTool[] {
  const out: OfferedTool[] = [];
  flattenTools(body.tools, undefined, out);
  for (const item of items(body)) if (isObject(item) && item.type === "additional_tools") flattenTools(item.tools, undefined, out);
  return out;
}

/** Named tools of the request (any tool type with a string `name`, namespaced ones included). */
export function toolNames(body: Record<string, unknown>): string[] {
  return offeredTools(body).map((t) => t.name);
}

/** The JSON string literal that starts at `text[start]` (a `"`), or undefined. */
function stringLiteral(text: string, start: number): string | undefined {
  for (let i = start + 1; i < text.length; i += 1) {
    if (text[i] === "\\") i += 1;
    else if (text[i] === '"') return text.slice(start, i + 1);
  }
  return undefined;
}

export interface Directive {
  name: string;
  /** Compact JSON of the directive's object (`{}` when none), for function tools. */
  arguments: string;
  /** The directive's JSON string, else its JSON object text, for `custom` tools (freeform input). */
  input: string;
}

/**
 * The latest `CALL_TOOL <name> <json>` in a user message after the last tool output whose name is a tool of the
 * request. `<json>` is an object (function arguments, re-serialized compactly; missing means `{}`) or, for a
 * `custom` tool, a JSON string holding the freeform input.
 */
export function findDirective(body: Record<string, unknown>): Directive | null {
  const names = new Set(toolNames(body));
  let found: Directive | null = null;
  for (const text of userTextsAfterLastOutput(items(body))) {
    const pattern = /CALL_TOOL\s+([A-Za-z0-9_.:-]+)/g;
    for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
      const name = match[1] ?? "";
      if (!names.has(name)) continue;
      const rest = text.slice(pattern.lastIndex);
      const opening = /^\s*([{"])/.exec(rest);
      let args = "{}";
      let input = "";
      if (opening) {
        const at = pattern.lastIndex + opening[0].length - 1;
        const raw = opening[1] === "{" ? balancedObject(text, at) : stringLiteral(text, at);
        if (raw === undefined) continue;
        try {
          const value: unknown = JSON.parse(raw);
          if (typeof value === "string") input = value;
          else {
            args = JSON.stringify(value);
            input = args;
          }
        } catch {
          continue;
        }
      }
      found = { name, arguments: args, input };
    }
  }
  return found;
}

/** The text of the last function_call_output: a string, or its parts' text joined; first 400 characters (B6). */
export function lastToolOutputText(body: Record<string, unknown>): string {
  const input = items(body);
  const item = input[lastOutputIndex(input)];
  if (!isObject(item)) return "";
  const output = item.output;
  let text: string;
  if (typeof output === "string") text = output;
  else if (Array.isArray(output)) text = output.map((p) => (isObject(p) && typeof p.text === "string" ? p.text : "")).join("");
  else text = JSON.stringify(output) ?? "";
  return Array.from(text).slice(0, 400).join("");
}

/** The latest `[[emu:<scenario>]]` (optionally `[[emu:<scenario> {json options}]]`) after the last tool output. */
export function findMarker(body: Record<string, unknown>): Choice | null {
  let found: Choice | null = null;
  for (const text of userTextsAfterLastOutput(items(body))) {
    const pattern = /\[\[emu:([^\]\s]+)(?:\s+(\{[\s\S]*?\}))?\s*\]\]/g;
    for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
      const name = match[1] ?? "";
      if (!isScenarioName(name)) throw new MarkerError(`emulator: unknown scenario '${name}' in marker ${match[0]}`);
      let options: ScenarioOptions = {};
      if (match[2] !== undefined) {
        try {
          options = JSON.parse(match[2]) as ScenarioOptions;
        } catch {
          throw new MarkerError(`emulator: marker options are not JSON: ${match[0]}`);
        }
      }
      found = { scenario: name, options };
    }
  }
  return found;
}

/**
 * §12.2 script, with the late-2026 additions first and last: `compaction` when the last input item is a
 * `compaction_trigger` (§13.4); `tool-then-text` when no assistant message follows the last function_call_output and it is the last
 * item or comes after the last user message containing CALL_TOOL (vacuously true when none does); else `tool-call`
 * (or `custom-tool-call` for a `custom` tool, §13.1) for a CALL_TOOL directive naming a tool of the request; else
 * `text` "hello".
 */
export function scriptedChoice(body: Record<string, unknown>): Choice {
  const marker = findMarker(body);
  if (marker) return marker;
  const input = items(body);
  if (itemType(input.at(-1)) === "compaction_trigger") return { scenario: "compaction", options: {} };
  const last = lastOutputIndex(input);
  if (last !== -1) {
    const assistantAfter = input.slice(last + 1).some((item) => isRoleMessage(item, "assistant"));
    const lastCallTool = lastIndexWhere(input, (item) => isRoleMessage(item, "user") && unescapeQuotes(messageText(item)).includes("CALL_TOOL"));
    if (!assistantAfter && (last === input.length - 1 || last > lastCallTool)) return { scenario: "tool-then-text", options: {} };
  }
  const directive = findDirective(body);
  if (directive) {
    const custom = offeredTools(body).find((t) => t.name === directive.name)?.type === "custom";
    return { scenario: custom ? "custom-tool-call" : "tool-call", options: {} };
  }
  return { scenario: "text", options: { text: "hello" } };
}
