// The one upstream call: POST {base}/responses with the client's abort joined to a header-only deadline,
// one refresh-and-retry on 401, and non-2xx answers turned into ProxyErrors (spec §3.4, §4, §8.7; STYLE.md h3 model).
import type { AuthStore, Credentials } from "../auth/types.ts";
import { ProxyError } from "../errors.ts";
import { redact, type Logger } from "../log.ts";
import { classifyStatus, classifyThrown, type AbortCause } from "./classify-failure.ts";
import { toUpstreamHeaders } from "./upstream-headers.ts";

export interface UpstreamTiming {
  /** Epoch ms when the (last) request went out. */
  sentAt: number;
  /** Epoch ms when its response headers arrived. */
  headersAt: number;
}

export interface UpstreamResult {
  response: Response;
  timing: UpstreamTiming;
}

export interface UpstreamClient {
  /** `forwardHeaders`: the official client's own Codex headers, over the proxy's (never the credentials). */
  send(args: { body: object; sessionKey: string; signal: AbortSignal; forwardHeaders?: Record<string, string> }): Promise<UpstreamResult>;
}

export interface UpstreamClientOptions {
  fetch: typeof fetch;
  baseUrl: string;
  auth: AuthStore;
  now: () => number;
  headerTimeoutMs: number;
  logger: Logger;
  /** Sees the headers of every upstream answer (quota snapshots). */
  onHeaders?: (status: number, headers: Headers) => void;
  /** Sees the body of every failed upstream answer (usage-limit details). */
  onErrorBody?: (status: number, text: string) => void;
}

/** How much of a failed answer is read, and for how long (red team D7): ~500 characters of it are used. */
export const ERROR_BODY_LIMIT = 64 * 1024;
export const ERROR_BODY_TIMEOUT_MS = 5_000;

/** At most ERROR_BODY_LIMIT bytes of `response`'s body within ERROR_BODY_TIMEOUT_MS; the rest is cancelled, so an
 * endless or decompression-bomb error body neither grows memory nor keeps the client waiting. */
const readErrorText = async (response: Response): Promise<string> => {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let size = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), ERROR_BODY_TIMEOUT_MS)));
  try {
    while (size < ERROR_BODY_LIMIT) {
      const next = await Promise.race([reader.read(), deadline]);
      if (next === "timeout" || next.done) break;
      const chunk = size + next.value.byteLength > ERROR_BODY_LIMIT ? next.value.subarray(0, ERROR_BODY_LIMIT - size) : next.value;
      size += chunk.byteLength;
      text += decoder.decode(chunk, { stream: true });
    }
  } catch {
    // A reset mid-body: what arrived is enough for the message.
  } finally {
    clearTimeout(timer);
    reader.cancel().catch(() => undefined);
  }
  return text + decoder.decode();
};

export const createUpstreamClient = (options: UpstreamClientOptions): UpstreamClient => {
  const url = `${options.baseUrl}/responses`;

  const attempt = async (payload: string, credentials: Credentials, sessionKey: string, clientSignal: AbortSignal, forward?: Record<string, string>) => {
    // One controller for both causes: the client's abort (for the whole call) and the header deadline
    // (cleared once headers arrive). Cheaper than AbortSignal.any on the per-request path.
    const controller = new AbortController();
    let cause: AbortCause | undefined;
    const onClientAbort = () => controller.abort(clientSignal.reason);
    if (clientSignal.aborted) onClientAbort();
    else clientSignal.addEventListener("abort", onClientAbort, { once: true });
    const timer = setTimeout(() => {
      cause = "deadline";
      controller.abort(new Error("header deadline"));
    }, options.headerTimeoutMs);
    const sentAt = options.now();
    try {
      const response = await options.fetch(url, {
        method: "POST",
        headers: toUpstreamHeaders(credentials, sessionKey, forward),
        body: payload,
        signal: controller.signal,
        redirect: "manual",
      });
      options.onHeaders?.(response.status, response.headers);
      return { response, timing: { sentAt, headersAt: options.now() } };
    } catch (error) {
      throw classifyThrown(error, clientSignal.aborted ? "client" : cause);
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    async send({ body, sessionKey, signal, forwardHeaders }) {
      const payload = JSON.stringify(body);
      let credentials = await options.auth.getCredentials();
      let result = await attempt(payload, credentials, sessionKey, signal, forwardHeaders);
      if (result.response.status === 401) {
        await result.response.body?.cancel().catch(() => undefined);
        options.logger.info("upstream answered 401; recovering credentials and retrying once");
        credentials = await options.auth.recoverFromUnauthorized(credentials);
        result = await attempt(payload, credentials, sessionKey, signal, forwardHeaders);
      }
      const { response } = result;
      if (response.ok && response.body) return result;
      if (response.status < 400 || response.status > 599) {
        // 204/304 (no body), a 3xx redirect (redirect: "manual"), a 1xx or 6xx: none is an answer (red team D17).
        await response.body?.cancel().catch(() => undefined);
        options.logger.warn("upstream answered without a stream", { upstream_status: response.status });
        throw new ProxyError("upstream_unavailable", {
          message: `The Codex backend answered HTTP ${response.status} without a response stream; please retry.`,
        });
      }
      // What reaches the client never carries the credentials, even from a backend or middlebox that echoes
      // request headers (red team D12): the logger's redaction with this call's token and account id.
      const secrets = [credentials.accessToken, ...(credentials.accountId ? [credentials.accountId] : [])];
      const text = redact(await readErrorText(response), secrets) as string;
      options.onErrorBody?.(response.status, text);
      const error = classifyStatus(response.status, response.headers, text, options.now());
      options.logger.warn("upstream request failed", { upstream_status: response.status, error: error.message.slice(0, 300) });
      throw error;
    },
  };
};
