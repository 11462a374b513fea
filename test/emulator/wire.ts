// Shared wording of backend error bodies: the two envelopes (§6.1) and the §4.8 list format used by §12.1.

/** A rule failure: the status and JSON body to send. */
export interface Rejection {
  status: number;
  body: unknown;
}

/** FastAPI-style `{"detail": …}` body. */
export function detail(status: number, message: string): Rejection {
  return { status, body: { detail: message } };
}

/** OpenAI-style envelope `{"error":{"message","type":"invalid_request_error","param","code"}}` (§12.1 footnote). */
export function envelope(message: string, param: string | null, code: string | null, status = 400): Rejection {
  return { status, body: { error: { message, type: "invalid_request_error", param, code } } };
}

/** §4.8 list format: `'a'`, `'a' and 'b'`, `'a', 'b', and 'c'`. */
export function quoteList(values: readonly string[]): string {
  const quoted = values.map((v) => `'${v}'`);
  if (quoted.length <= 1) return quoted.join("");
  if (quoted.length === 2) return `${quoted[0]} and ${quoted[1]}`;
  return `${quoted.slice(0, -1).join(", ")}, and ${quoted[quoted.length - 1]}`;
}

/** How R17/R21/R22 name the type they got: "an object", "an array", "a string", "a number", "a boolean" or "null". */
export function typeWord(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "string":
      return "a string";
    case "number":
    case "bigint":
      return "a number";
    case "boolean":
      return "a boolean";
    case "undefined":
      return "nothing";
    default:
      return "an object";
  }
}

/** A value as it appears inside `'…'` in messages: strings as-is, missing as '', anything else as JSON. */
export function shown(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined) return "";
  return JSON.stringify(value) ?? String(value);
}

/** True for a plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** A JSON response with the given status, body and headers (content-type defaults to application/json). */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  // An empty body (§13.6's outage 404) comes without a content-type.
  return new Response(text === "" ? null : text, { status, headers: text === "" ? headers : { "content-type": "application/json", ...headers } });
}
