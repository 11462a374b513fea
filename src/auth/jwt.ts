// Reads JWT payload claims without verifying them (spec §2.3: the proxy has no keys and MUST NOT verify).
// Web APIs only: atob + TextDecoder, so it runs unchanged on every runtime.

import { isObject, parseJsonObject, type JsonObject } from "../json.ts";
import { fromBase64Url } from "./base64url.ts";

const AUTH_CLAIM = "https://api.openai.com/auth";

/** The decoded payload object of a `header.payload.signature` token, or null when it is not one. */
export const decodeJwtPayload = (token: string): JsonObject | null => {
  const segment = token.split(".")[1];
  if (segment === undefined || segment === "") return null;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(fromBase64Url(segment));
  } catch {
    return null; // not base64url, or not UTF-8
  }
  return parseJsonObject(text) ?? null;
};

/** The `exp` claim in epoch ms, or undefined when the token has no readable one. */
export const readJwtExpiry = (token: string): number | undefined => {
  const exp = decodeJwtPayload(token)?.exp;
  return typeof exp === "number" && Number.isFinite(exp) ? exp * 1000 : undefined;
};

/** `["https://api.openai.com/auth"].chatgpt_account_id` when it is a non-empty string (spec §2.4). */
export const readJwtAccountId = (token: string): string | undefined => {
  const auth = decodeJwtPayload(token)?.[AUTH_CLAIM];
  if (!isObject(auth)) return undefined;
  const id = auth.chatgpt_account_id;
  return typeof id === "string" && id !== "" ? id : undefined;
};
