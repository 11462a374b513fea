// The Node entry's fetch for what src/ sends upstream: node:http(s) with keep-alive agents, the answer handed
// over as a web Response. undici's fetch cost the proxy about 0.5 ms and a third of its CPU per request (docs/design.md,
// bench/README.md). A Request object goes out as its parts; a body this does not handle (a stream, FormData) goes
// to `fallback`. No timeouts here: src/ owns the header deadline, and a running stream is never cut (spec §5.9).
import http from "node:http";
import https from "node:https";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { pipeline, type Readable, type Transform } from "node:stream";

/** Free sockets close after this long idle: under Node's 5 s server default, so a reused socket is rarely stale. */
const FREE_SOCKET_MS = 4000;

const agentOptions = { keepAlive: true, timeout: FREE_SOCKET_MS, scheduling: "lifo" as const };

/** What fetch would report: a TypeError naming the network cause (classify-failure.ts never shows it to clients). */
const networkError = (message: string, cause: unknown) => new TypeError(message, { cause });

const abortReason = (signal: AbortSignal): unknown => signal.reason ?? new DOMException("This operation was aborted", "AbortError");

const toHeaderRecord = (init: HeadersInit | undefined): Record<string, string> => {
  const out: Record<string, string> = {};
  if (init === undefined) return out;
  const entries: Iterable<[string, string]> =
    init instanceof Headers ? init.entries() : Array.isArray(init) ? (init as [string, string][]) : Object.entries(init);
  for (const [name, value] of entries) out[name.toLowerCase()] = value;
  return out;
};

/** Bytes of the bodies src/ sends (JSON strings, form parameters, bytes); undefined for anything else. */
const toBodyBytes = (body: BodyInit | null | undefined): { bytes: Uint8Array | string | undefined; type?: string } | undefined => {
  if (body === undefined || body === null) return { bytes: undefined };
  if (typeof body === "string") return { bytes: body, type: "text/plain;charset=UTF-8" };
  if (body instanceof URLSearchParams) return { bytes: body.toString(), type: "application/x-www-form-urlencoded;charset=UTF-8" };
  if (body instanceof Uint8Array) return { bytes: body };
  if (body instanceof ArrayBuffer) return { bytes: new Uint8Array(body) };
  return undefined;
};

/** The content codings fetch undoes for its caller. */
const decoderFor = (encoding: string | undefined): Transform | undefined => {
  switch (encoding?.trim().toLowerCase()) {
    case "gzip":
    case "x-gzip":
      return createGunzip();
    case "deflate":
      return createInflate();
    case "br":
      return createBrotliDecompress();
    default:
      return undefined;
  }
};

/** Bytes the body buffers before the socket is paused: pausing per chunk costs a syscall pair per SSE event. */
const BUFFERED_BYTES = 64 * 1024;

/**
 * The response body as a web stream that pulls from the socket: back-pressure pauses it, a cancel destroys the
 * request (the upstream sees its connection close), and a connection lost before the end errors the reader.
 */
const toWebBody = (source: Readable, request: http.ClientRequest, isComplete: () => boolean): ReadableStream<Uint8Array> => {
  let finished = false;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        source.on("data", (chunk: Uint8Array) => {
          controller.enqueue(chunk);
          if ((controller.desiredSize ?? 0) <= 0) source.pause();
        });
        source.once("end", () => {
          if (finished) return;
          finished = true;
          controller.close();
        });
        const fail = (cause: unknown) => {
          if (finished) return;
          finished = true;
          controller.error(networkError("terminated", cause));
        };
        source.on("error", fail); // `on`, not `once`: a second error event without a listener would crash the process
        source.once("close", () => {
          if (!isComplete()) fail(new Error("upstream connection closed before the response ended"));
        });
      },
      pull() {
        source.resume();
      },
      cancel() {
        finished = true;
        request.destroy();
      },
    },
    { highWaterMark: BUFFERED_BYTES, size: (chunk) => chunk.byteLength },
  );
};

export const createNodeFetch = (fallback: typeof fetch): typeof fetch => {
  const agents = { "http:": new http.Agent(agentOptions), "https:": new https.Agent(agentOptions) };

  const nodeFetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    // A Request (the token refresh sends one) goes out as its parts, its body read first.
    if (input instanceof Request) {
      const body = input.body === null ? undefined : new Uint8Array(await input.arrayBuffer());
      return nodeFetch(input.url, { method: input.method, headers: input.headers, body, signal: input.signal, redirect: input.redirect, ...init });
    }
    const url = typeof input === "string" ? new URL(input) : input instanceof URL ? input : undefined;
    const body = toBodyBytes(init.body);
    if (url === undefined || body === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) return fallback(input, init);
    const signal = init.signal ?? undefined;
    if (signal?.aborted) return Promise.reject(abortReason(signal));

    return new Promise<Response>((resolve, reject) => {
      const headers = toHeaderRecord(init.headers);
      if (body.type !== undefined && headers["content-type"] === undefined) headers["content-type"] = body.type;
      headers["content-length"] = String(body.bytes === undefined ? 0 : typeof body.bytes === "string" ? Buffer.byteLength(body.bytes) : body.bytes.byteLength);
      headers["accept-encoding"] ??= "gzip, deflate, br";
      const transport = url.protocol === "https:" ? https : http;
      const request = transport.request(url, { method: init.method ?? "GET", headers, agent: agents[url.protocol as "http:" | "https:"] });

      let settled = false;
      const onAbort = () => {
        const reason = abortReason(signal as AbortSignal);
        // Before the answer: the promise rejects; after it: the body reader errors (toWebBody's close handler
        // sees an incomplete response). Either way the socket closes, so the upstream sees the client leave.
        request.destroy(reason instanceof Error ? reason : undefined);
        if (!settled) {
          settled = true;
          reject(reason);
        }
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      const cleanUp = () => signal?.removeEventListener("abort", onAbort);

      request.on("error", (error) => {
        cleanUp();
        if (settled) return;
        settled = true;
        reject(networkError("fetch failed", error));
      });
      request.once("response", (response) => {
        settled = true;
        response.once("close", cleanUp);
        response.on("error", () => undefined); // the body reader reports it; never an unhandled 'error' event
        const responseHeaders = new Headers();
        const raw = response.rawHeaders;
        for (let i = 0; i < raw.length; i += 2) responseHeaders.append(raw[i] as string, raw[i + 1] as string);
        const status = response.statusCode ?? 502;
        const nullBody = status === 204 || status === 205 || status === 304 || init.method === "HEAD";
        if (nullBody) response.resume();
        const decoder = nullBody ? undefined : decoderFor(response.headers["content-encoding"]);
        if (decoder !== undefined) {
          responseHeaders.delete("content-encoding");
          responseHeaders.delete("content-length");
          // pipeline carries an error or an early close of the response into the decoder, which the reader sees.
          pipeline(response, decoder, () => undefined);
        }
        const source = decoder ?? response;
        const webBody = nullBody ? null : toWebBody(source, request, () => (decoder !== undefined ? source.readableEnded : response.complete));
        try {
          resolve(new Response(webBody, { status, statusText: response.statusMessage ?? "", headers: responseHeaders }));
        } catch (error) {
          // A status fetch cannot represent (outside 200–599): a network error, as fetch reports it.
          request.destroy();
          reject(networkError("fetch failed", error));
        }
      });
      request.end(body.bytes);
    });
  };
  return nodeFetch;
};
