// The project's base type for parsed JSON objects, its guard, and the one try-JSON.parse: every reader of JSON
// text from outside (upstream events and error bodies, auth.json, JWT payloads, token answers) goes through here.

/** A parsed JSON object whose fields are not known yet. */
export type JsonObject = Record<string, unknown>;

/** True for a plain JSON object (not null, not an array). */
export const isObject = (value: unknown): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value);

/** `JSON.parse(text)`, or `undefined` when the text is not JSON (no JSON text parses to `undefined`). */
export const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** The JSON object `text` holds, or `undefined` when it is not JSON or not an object. */
export const parseJsonObject = (text: string): JsonObject | undefined => {
  const value = parseJson(text);
  return isObject(value) ? value : undefined;
};
