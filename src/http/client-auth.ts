// The client's key check (issue #3 item 5): `Authorization: Bearer <key>`, or Anthropic's `x-api-key: <key>`
// (issue 17 item 1), compared in constant time.
import { ProxyError } from "../errors.ts";

const encoder = new TextEncoder();

/** Constant-time equality over the UTF-8 bytes (length differences still cost a full pass). */
export const timingSafeEqual = (a: string, b: string): boolean => {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  let diff = x.length ^ y.length;
  const length = Math.max(x.length, y.length);
  for (let i = 0; i < length; i++) diff |= (x[i % (x.length || 1)] ?? 0) ^ (y[i % (y.length || 1)] ?? 0);
  return diff === 0;
};

/** True when the request carries `key` as `Authorization: Bearer <key>` or `x-api-key: <key>`. */
export const hasClientKey = (request: Request, key: string): boolean => {
  const header = request.headers.get("authorization")?.trim();
  const sent = header ? /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim() : request.headers.get("x-api-key")?.trim();
  return sent !== undefined && sent !== "" && timingSafeEqual(sent, key);
};

/** Throws a 401 envelope unless the request carries the configured key (or any key is allowed). */
export const checkClientKey = (request: Request, options: { apiKey?: string; allowAnyKey: boolean }): void => {
  if (options.allowAnyKey) return;
  const header = request.headers.get("authorization");
  if (header === null || header.trim() === "") {
    // Anthropic clients (the SDK with apiKey, Claude Code with ANTHROPIC_API_KEY) send the key this way.
    const apiKey = request.headers.get("x-api-key")?.trim();
    if (apiKey) {
      if (!options.apiKey || !timingSafeEqual(apiKey, options.apiKey)) {
        throw new ProxyError("unauthorized", { message: "Incorrect API key provided for this proxy (--api-key).", code: "invalid_api_key" });
      }
      return;
    }
    throw new ProxyError("unauthorized", {
      message: "Missing API key: send `Authorization: Bearer <key>` (or `x-api-key: <key>`) with the key the proxy was started with (--api-key).",
      code: "missing_api_key",
    });
  }
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (!match) {
    throw new ProxyError("unauthorized", {
      message: "Malformed Authorization header: expected `Authorization: Bearer <key>`.",
      code: "invalid_api_key",
    });
  }
  if (!options.apiKey || !timingSafeEqual((match[1] as string).trim(), options.apiKey)) {
    throw new ProxyError("unauthorized", { message: "Incorrect API key provided for this proxy (--api-key).", code: "invalid_api_key" });
  }
};
