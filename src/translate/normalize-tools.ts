// Tools and tool_choice in the flat Responses shape the backend accepts (spec §4.7, §8.1 `tool_choice`).
import { exhaustive } from "../exhaustive.ts";
import { isObject, type JsonObject } from "../json.ts";
import { type FunctionTool, toTool, type WireTool } from "../schemas/items.ts";

const EMPTY_PARAMETERS = { type: "object", properties: {} };

/** One tool, chat-nested or flat, as a flat tool; null-valued fields dropped. */
export const toFlatTool = (wire: WireTool): WireTool => {
  const tool = toTool(wire);
  switch (tool.type) {
    case "web_search":
    case "web_search_preview":
      return tool.type === "web_search" ? tool : { ...tool, type: "web_search" };
    case "function":
      return flattenFunction(tool);
    case "custom":
    case "unknown":
      return wire;
    default:
      return exhaustive(tool);
  }
};

const flattenFunction = (tool: FunctionTool): WireTool => {
  const source: JsonObject = tool.function ? { ...tool.function } : { ...tool };
  delete source.type;
  delete source.function;
  const flat: JsonObject = { type: "function" };
  for (const [key, value] of Object.entries(source)) if (value !== null && value !== undefined) flat[key] = value;
  if (flat.description === undefined) flat.description = "";
  if (typeof flat.strict !== "boolean") flat.strict = false;
  if (!isObject(flat.parameters)) flat.parameters = EMPTY_PARAMETERS;
  return flat;
};

/** The name a tool_choice object forces, in either shape; undefined for strings. */
const forcedName = (choice: unknown): string | undefined => {
  if (!isObject(choice)) return undefined;
  if (isObject(choice.function) && typeof choice.function.name === "string") return choice.function.name;
  return typeof choice.name === "string" ? choice.name : undefined;
};

/**
 * tools + tool_choice for upstream: strings pass through, absent → "auto", an object naming one function
 * filters the tools to it and sends "auto" (godex's safe choice, spec §4.7). parallel_tool_calls is never
 * true without tools.
 */
export const normalizeTools = (
  tools: readonly JsonObject[] | null | undefined,
  toolChoice: unknown,
  parallel: boolean | null | undefined,
): { tools: JsonObject[]; tool_choice: unknown; parallel_tool_calls: boolean; warnings: string[] } => {
  const warnings: string[] = [];
  let flat = (tools ?? []).map(toFlatTool);
  let choice: unknown = typeof toolChoice === "string" ? toolChoice : "auto";
  const name = forcedName(toolChoice);
  if (name !== undefined) {
    flat = flat.filter((tool) => tool.name === name);
    choice = "auto";
    warnings.push(`tool_choice forcing "${name}" sent as tools=[${name}] with tool_choice "auto"`);
  } else if (isObject(toolChoice)) {
    warnings.push('tool_choice object without a function name sent as "auto"');
  }
  return { tools: flat, tool_choice: choice, parallel_tool_calls: flat.length > 0 && parallel === true, warnings };
};
