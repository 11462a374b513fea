// The HTTP calls of a login: JSON or form POSTs to the issuer, answers read as JSON, failures kept apart from
// answers, and the OAuth error code and description read from the shapes issuers use. Never throws.
import { isObject, parseJsonObject } from "../json.ts";

export type CallResult =
  | { kind: "answer"; status: number; json: Record<string, unknown> | undefined }
  /** No usable answer: the connection failed, timed out or broke off mid-body. `reason` is safe to print. */
  | { kind: "network"; reason: string };

/** POSTs `body` as JSON (`form: false`) or form-encoded and reads the answer; gives up after `timeoutMs`. */
export const postTo = async (
  fetchFn: typeof fetch,
  url: string,
  body: Record<string, string>,
  options: { form?: boolean; timeoutMs?: number } = {},
): Promise<CallResult> => {
  try {
    const response = await fetchFn(
      new Request(url, {
        method: "POST",
        headers: {
          "content-type": options.form ? "application/x-www-form-urlencoded" : "application/json",
          accept: "application/json",
        },
        body: options.form ? new URLSearchParams(body).toString() : JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 20_000),
      }),
    );
    const text = await response.text();
    return { kind: "answer", status: response.status, json: parseJsonObject(text) };
  } catch (error) {
    const timedOut = error instanceof Error && error.name === "TimeoutError";
    return { kind: "network", reason: timedOut ? "no answer in time" : "connection failed" };
  }
};

const SAFE_CODE = /^[A-Za-z0-9_.-]{1,64}$/;

/** The error code: `error` as a string, `error.code`, or top-level `code` (OAuth and OpenAI envelopes). */
export const readErrorCode = (json: Record<string, unknown> | undefined): string | undefined => {
  if (!json) return undefined;
  const error = json.error;
  const candidates = [error, isObject(error) ? error.code : undefined, json.code];
  return candidates.find((value): value is string => typeof value === "string" && SAFE_CODE.test(value));
};

/** `error_description` or `error.message`, one line, at most 160 characters; undefined when there is none. */
export const readErrorDescription = (json: Record<string, unknown> | undefined): string | undefined => {
  if (!json) return undefined;
  const error = json.error;
  const text =
    typeof json.error_description === "string" ? json.error_description : isObject(error) && typeof error.message === "string" ? error.message : undefined;
  const line = text?.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
  return line ? line.slice(0, 160) : undefined;
};

/** "HTTP 400 invalid_grant: the code expired" style detail for an error answer. */
export const describeAnswer = (status: number, json: Record<string, unknown> | undefined): string => {
  const code = readErrorCode(json);
  const description = readErrorDescription(json);
  return `HTTP ${status}${code ? ` ${code}` : ""}${description && description !== code ? `: ${description}` : ""}`;
};
