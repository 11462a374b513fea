// Bounds on a parsed client body that its byte size does not give (issue 18, red team D15 and D17): the number
// of input items, messages and tools, and the nesting depth. Checked once after JSON.parse, before the schema, so
// a 30 MB body of a million tiny items is refused before it is validated, translated and re-serialised in one
// synchronous run, and a value nested 100,000 levels deep never reaches a recursive JSON.stringify.
import { badRequest } from "../errors.ts";

/** Limits far above real use (a long Codex session sends a few thousand items; MCP setups a few hundred tools). */
export const BODY_SHAPE_LIMITS = {
  /** Elements of `input` (Responses) or `messages` (chat, Anthropic). */
  items: 50_000,
  /** Elements of `tools`. */
  tools: 2_000,
  /** Nesting of objects and arrays, the body itself counting as 1. */
  depth: 500,
} as const;

const COUNTED: readonly [key: string, limit: number, what: string][] = [
  ["input", BODY_SHAPE_LIMITS.items, "input items"],
  ["messages", BODY_SHAPE_LIMITS.items, "messages"],
  ["tools", BODY_SHAPE_LIMITS.tools, "tools"],
];

/** Deeper than `limit`? An explicit stack, so the check itself cannot overflow. */
const deeperThan = (root: object, limit: number): boolean => {
  const stack: [value: unknown, depth: number][] = [[root, 1]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [value, depth] = next;
    if (depth > limit) return true;
    if (Array.isArray(value)) {
      for (const element of value) if (typeof element === "object" && element !== null) stack.push([element, depth + 1]);
    } else {
      // Object.values, not value[key]: an own `__proto__` key (JSON.parse makes one) is read as its value.
      for (const child of Object.values(value as Record<string, unknown>)) if (typeof child === "object" && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
};

/** Throws a 400 naming the limit when `body` (a parsed JSON object of `textLength` characters) exceeds one. */
export const checkBodyShape = (body: Record<string, unknown>, textLength: number): void => {
  for (const [key, limit, what] of COUNTED) {
    const value = body[key];
    if (Array.isArray(value) && value.length > limit) {
      throw badRequest(
        `Too many ${what}: ${value.length} is more than this proxy's limit of ${limit}; send fewer (or compact the conversation).`,
        key,
        "too_many_items",
      );
    }
  }
  // Depth d needs at least 2·d characters, so small bodies (nearly all) skip the walk.
  if (textLength > 2 * BODY_SHAPE_LIMITS.depth && deeperThan(body, BODY_SHAPE_LIMITS.depth)) {
    throw badRequest(`The request body is nested more than ${BODY_SHAPE_LIMITS.depth} levels deep; no real request needs that many.`, null, "nesting_too_deep");
  }
};
