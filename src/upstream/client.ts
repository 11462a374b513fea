// The one upstream call: POST {base}/responses with the client's abort joined to a header-only deadline,
// one refresh-and-retry on 401, and non-2xx answers turned into ProxyErrors (spec §3.4, §4, §8.7; STYLE.md h3 model).
import type { AuthStore, Credentials } from "../auth/types.ts";
import type { Logger } from "../log.ts";
import type { UpstreamBody } from "../translate/types.ts";
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
  send(args: { body: UpstreamBody; sessionKey: string; signal: AbortSignal }): Promise<UpstreamResult>;
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

export const createUpstreamClient = (options: UpstreamClientOptions): UpstreamClient => {
  const url = `${options.baseUrl}/responses`;

  const attempt = async (payload: string, credentials: Credentials, sessionKey: string, clientSignal: AbortSignal) => {
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
        headers: toUpstreamHeaders(credentials, sessionKey),
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
    async send({ body, sessionKey, signal }) {
      const payload = JSON.stringify(body);
      let credentials = await options.auth.getCredentials();
      let result = await attempt(payload, credentials, sessionKey, signal);
      if (result.response.status === 401) {
        await result.response.body?.cancel().catch(() => undefined);
        options.logger.info("upstream answered 401; recovering credentials and retrying once");
        credentials = await options.auth.recoverFromUnauthorized(credentials);
        result = await attempt(payload, credentials, sessionKey, signal);
      }
      const { response } = result;
      if (response.ok && response.body) return result;
      const text = await response.text().catch(() => "");
      options.onErrorBody?.(response.status, text);
      const error = classifyStatus(response.status, response.headers, text, options.now());
      options.logger.warn("upstream request failed", { upstream_status: response.status, error: error.message.slice(0, 300) });
      throw error;
    },
  };
};
