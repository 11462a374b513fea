// Bounded everything (issue 18 item 3): request headers by count and bytes (431), a body that drips in (408 and the
// connection closed), and the tool calls one session may park in the cache, over a real socket on every entry, in the
// memory store and in a real redis-server.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { createClient } from "@redis/client";
import type { Emulator } from "./emulator/index.ts";
import type { SpawnedProxy } from "./support/spawn-proxy.ts";
import { type ProxyOverEmulator, startProxyOverEmulator } from "./support/proxy-over-emulator.ts";
import { RUNTIME } from "./support/runtime.ts";
import { startRedisServer, type RedisServer } from "./support/redis-server.ts";
import { MAX_HEADER_BYTES, MAX_HEADER_COUNT } from "../src/http/header-limits.ts";
import { createSessionCache } from "../src/session/session-cache.ts";
import { createMemoryStore } from "../src/session/store.ts";
import { createLogger } from "../src/log.ts";
import { connectRedisClient, type RedisClient } from "../runtimes/io/redis-client.ts";
import { createOutageReporter } from "../runtimes/io/redis-outage.ts";
import { createRedisStore } from "../runtimes/io/redis-store.ts";

const KEY = "limits-key";
type Json = any;

interface RawAnswer {
  status: number;
  headers: Map<string, string>;
  body: string;
  /** Whether the server closed the connection (false: still open when the test gave up). */
  closed: boolean;
}

/**
 * Sends `head` (and then `drip` every 200 ms, if given) over a fresh connection, and reads the answer until the
 * server closes it or `waitMs` passes. The body is de-chunked.
 */
const raw = (url: string, head: string, options: { drip?: string; waitMs?: number } = {}) =>
  new Promise<RawAnswer>((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname);
    let received = Buffer.alloc(0);
    let interval: ReturnType<typeof setInterval> | undefined;
    const finish = (closed: boolean) => {
      clearInterval(interval);
      clearTimeout(timer);
      socket.destroy();
      const text = received.toString("latin1");
      const split = text.indexOf("\r\n\r\n");
      if (split < 0) return reject(new Error(`no complete answer (closed: ${closed}): ${JSON.stringify(text.slice(0, 300))}`));
      const [statusLine, ...lines] = text.slice(0, split).split("\r\n");
      const headers = new Map(lines.map((line) => [line.slice(0, line.indexOf(":")).toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]));
      let body = text.slice(split + 4);
      if (headers.get("transfer-encoding") === "chunked") {
        let out = "";
        for (;;) {
          const eol = body.indexOf("\r\n");
          const size = Number.parseInt(body.slice(0, eol), 16);
          if (!(size > 0)) break;
          out += body.slice(eol + 2, eol + 2 + size);
          body = body.slice(eol + 2 + size + 2);
        }
        body = out;
      }
      resolve({ status: Number(statusLine?.split(" ")[1]), headers, body: Buffer.from(body, "latin1").toString("utf8"), closed });
    };
    const timer = setTimeout(() => finish(false), options.waitMs ?? 10_000);
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
    });
    socket.on("error", () => undefined); // a reset after the answer is a close too
    socket.on("close", () => finish(true));
    socket.write(head);
    if (options.drip !== undefined) {
      const drip = options.drip;
      interval = setInterval(() => {
        if (!socket.destroyed && socket.writable) socket.write(drip);
      }, 200);
    }
  });

/** A request head with Host, Authorization and Connection plus `extra` fields (`name: value` each). */
const requestHead = (method: string, path: string, extra: string[], framing = "Content-Length: 0") =>
  `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${KEY}\r\n${extra.map((line) => `${line}\r\n`).join("")}${framing}\r\nConnection: close\r\n\r\n`;

/** `n` short fields `x-f<i>: v`. */
const fields = (n: number) => Array.from({ length: n }, (_, i) => `x-f${i}: v`);

const assertOpenAiError = (answer: RawAnswer, status: number, code: string, message: RegExp) => {
  assert.equal(answer.status, status, answer.body.slice(0, 300));
  const body = JSON.parse(answer.body) as Json;
  assert.deepEqual(Object.keys(body.error).sort(), ["code", "message", "param", "type"]);
  assert.equal(body.error.type, "invalid_request_error");
  assert.equal(body.error.code, code);
  assert.equal(body.error.param, null);
  assert.match(body.error.message, message);
};

const assertAnthropicError = (answer: RawAnswer, status: number, type: string, message: RegExp) => {
  assert.equal(answer.status, status, answer.body.slice(0, 300));
  const body = JSON.parse(answer.body) as Json;
  assert.equal(body.type, "error");
  assert.equal(body.error.type, type);
  assert.match(body.error.message, message);
};

describe(`request limits over a socket on ${RUNTIME}`, () => {
  let emulator: Emulator;
  let proxy: SpawnedProxy;
  let setup: ProxyOverEmulator | undefined;
  before(async () => {
    setup = await startProxyOverEmulator("limits", ["--api-key", KEY, "--body-timeout", "1s", "--cache-max-calls", "3"]);
    ({ emulator, proxy } = setup);
  });
  after(() => setup?.close());

  test(`more than ${MAX_HEADER_COUNT} header fields is a 431 in the dialect's shape; ${MAX_HEADER_COUNT} are served`, async () => {
    // Host, Authorization, Content-Length and Connection are four of the fields.
    const atLimit = await raw(proxy.url, requestHead("GET", "/v1/models", fields(MAX_HEADER_COUNT - 4)));
    assert.equal(atLimit.status, 200, atLimit.body);
    assertOpenAiError(
      await raw(proxy.url, requestHead("GET", "/v1/models", fields(MAX_HEADER_COUNT - 3))),
      431,
      "request_header_fields_too_large",
      /101 header fields.*limit of 100/,
    );
    const body = '{"input":"x"}';
    // With Content-Type, five fixed fields.
    const post = (path: string, n = MAX_HEADER_COUNT - 4) =>
      requestHead("POST", path, ["Content-Type: application/json", ...fields(n)], `Content-Length: ${body.length}`) + body;
    const served = await raw(proxy.url, post("/v1/responses", MAX_HEADER_COUNT - 5));
    assert.equal(served.status, 200, served.body);
    const calls = emulator.calls.length;
    assertOpenAiError(await raw(proxy.url, post("/v1/responses")), 431, "request_header_fields_too_large", /limit of 100: send fewer headers/);
    assertOpenAiError(await raw(proxy.url, post("/v1/chat/completions")), 431, "request_header_fields_too_large", /limit of 100/);
    assertAnthropicError(await raw(proxy.url, post("/v1/messages")), 431, "request_too_large", /101 header fields.*limit of 100: send fewer headers/);
    assertAnthropicError(await raw(proxy.url, post("/v1/messages/count_tokens")), 431, "request_too_large", /limit of 100/);
    assert.equal(emulator.calls.length, calls, "nothing reached the backend");
  });

  test(`more than ${MAX_HEADER_BYTES} bytes of header names and values is a 431 in the dialect's shape; exactly that many are served`, async () => {
    // Names and values of Host (4 + 9), Authorization (13 + 17), Content-Length (14 + 1), Connection (10 + 5) and x-big (5).
    const fixed = 4 + 9 + 13 + `Bearer ${KEY}`.length + 14 + 1 + 10 + 5 + 5;
    const big = (extra: number) => [`x-big: ${"a".repeat(MAX_HEADER_BYTES - fixed + extra)}`];
    const atLimit = await raw(proxy.url, requestHead("GET", "/v1/models", big(0)));
    assert.equal(atLimit.status, 200, atLimit.body);
    assertOpenAiError(
      await raw(proxy.url, requestHead("GET", "/v1/models", big(1))),
      431,
      "request_header_fields_too_large",
      /12289 bytes, more than this proxy's limit of 12288: send smaller headers/,
    );
    // Spread over several fields, on the Anthropic paths.
    const many = Array.from({ length: 8 }, (_, i) => `x-part${i}: ${"b".repeat(1700)}`);
    assertAnthropicError(await raw(proxy.url, requestHead("POST", "/v1/messages", many)), 431, "request_too_large", /limit of 12288/);
    assertOpenAiError(await raw(proxy.url, requestHead("POST", "/v1/responses", many)), 431, "request_header_fields_too_large", /limit of 12288/);
  });

  test("a body that drips in ends with a 408 in the dialect's shape and Connection: close after --body-timeout", async () => {
    const calls = emulator.calls.length;
    const framed = await raw(proxy.url, `${requestHead("POST", "/v1/responses", ["Content-Type: application/json"], "Content-Length: 100000")}{`, {
      drip: " ",
    });
    assertOpenAiError(framed, 408, "request_timeout", /did not arrive within 1s \(--body-timeout\).*larger --body-timeout/);
    assert.equal(framed.headers.get("connection")?.toLowerCase().split(/,\s*/)[0], "close");
    const chunked = await raw(proxy.url, `${requestHead("POST", "/v1/messages", ["Content-Type: application/json"], "Transfer-Encoding: chunked")}1\r\n{\r\n`, {
      drip: "1\r\n \r\n",
    });
    assertAnthropicError(chunked, 408, "timeout_error", /did not arrive within 1s \(--body-timeout\)/);
    assert.equal(chunked.headers.get("connection")?.toLowerCase().split(/,\s*/)[0], "close");
    const chat = await raw(
      proxy.url,
      `${requestHead("POST", "/v1/chat/completions", ["Content-Type: application/json"], "Transfer-Encoding: chunked")}1\r\n{\r\n`,
      {
        drip: "1\r\n \r\n",
      },
    );
    assertOpenAiError(chat, 408, "request_timeout", /--body-timeout/);
    assert.equal(emulator.calls.length, calls, "nothing reached the backend");
    // A body sent at once is still served.
    const whole = await fetch(`${proxy.url}/v1/responses`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ input: "x" }),
    });
    assert.equal(whole.status, 200, await whole.text());
  });

  test("after the 408 the server closes the connection, though the client keeps sending", {
    skip:
      RUNTIME === "deno" ? "Deno 2.9.6's Deno.serve keeps the connection open until the body ends or the client leaves (OBSERVED, docs/security.md)" : false,
  }, async () => {
    for (const [head, drip] of [
      [`${requestHead("POST", "/v1/responses", ["Content-Type: application/json"], "Content-Length: 100000")}{`, " "],
      [`${requestHead("POST", "/v1/messages", ["Content-Type: application/json"], "Transfer-Encoding: chunked")}1\r\n{\r\n`, "1\r\n \r\n"],
    ] as const) {
      const answer = await raw(proxy.url, head, { drip, waitMs: 8_000 });
      assert.equal(answer.status, 408);
      assert.equal(answer.closed, true, "the connection was closed after the 408");
    }
  });

  test("--cache-max-calls 3: a session remembers its 3 newest calls; older ones are no longer restored", async () => {
    const tools = [{ type: "function", name: "f", parameters: { type: "object", properties: {} } }];
    const post = (body: Json) =>
      fetch(`${proxy.url}/v1/responses`, {
        method: "POST",
        headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ user: "limits-calls", tools, ...body }),
      });
    const turn = async (n: number): Promise<string[]> => {
      emulator.enqueue("parallel-tool-calls", { calls: Array.from({ length: n }, (_, i) => ({ name: "f", arguments: `{"i":${i}}` })) });
      const response = await post({ input: "call f", parallel_tool_calls: true });
      const body = (await response.json()) as Json;
      assert.equal(response.status, 200, JSON.stringify(body));
      const ids = body.output.filter((item: Json) => item.type === "function_call").map((item: Json) => item.call_id as string);
      assert.equal(ids.length, n);
      return ids;
    };
    const first = await turn(3);
    const second = await turn(2);
    const answerTo = (callId: string) => post({ input: [{ type: "function_call_output", call_id: callId, output: "ok" }] });
    for (const dropped of [first[0], first[1]] as string[]) {
      const response = await answerTo(dropped);
      const body = (await response.json()) as Json;
      assert.equal(response.status, 400, `${dropped} should be forgotten`);
      assert.equal(body.error.code, "tool_call_not_found");
    }
    for (const kept of [first[2], ...second] as string[]) {
      const response = await answerTo(kept);
      assert.equal(response.status, 200, await response.text());
      const sent = JSON.parse(emulator.calls.at(-1)?.rawBody ?? "{}") as Json;
      assert.equal(sent.input[0].type, "function_call");
      assert.equal(sent.input[0].call_id, kept, `${kept} restored`);
    }
  });
});

describe("calls per session in the stores", () => {
  const call = (i: number) => ({
    type: "function_call",
    call_id: `call_${String(i).padStart(5, "0")}`,
    name: "f",
    arguments: `{"i":"${String(i).padStart(5, "0")}"}`,
  });
  const turns = (from: number, count: number, size: number) =>
    Array.from({ length: count }, (_, t) => Array.from({ length: size }, (_, i) => call(from + t * size + i)));

  test("memory: 5,000 calls in one session leave the newest 1,000 and the bytes of 1,000", async () => {
    const store = createMemoryStore({ maxEntries: 1_000_000, now: () => 0 });
    const cache = createSessionCache({ store, ttlMs: 60_000 });
    for (const batch of turns(0, 20, 50)) await cache.rememberCalls("s", batch);
    const entries = store.size();
    const bytes = store.bytes();
    assert.equal(entries, 1_001, "1,000 calls and the session's index");
    for (const batch of turns(1_000, 80, 50)) await cache.rememberCalls("s", batch);
    assert.equal(store.size(), entries);
    // The same count of calls of the same shape: the bytes stay those of 1,000 calls (ids grow by no digit here).
    assert.equal(store.bytes(), bytes);
    const found = await cache.getCalls("s", [call(0).call_id, call(3_999).call_id, call(4_000).call_id, call(4_999).call_id]);
    assert.deepEqual([...found.keys()], [call(4_000).call_id, call(4_999).call_id]);
    // Other sessions are untouched by this one's cap.
    await cache.rememberCalls("other", [call(1)]);
    assert.equal((await cache.getCalls("other", [call(1).call_id])).size, 1);
    assert.equal((await cache.getCalls("s", [call(4_999).call_id])).size, 1);
  });

  test("memory: a single turn with more calls than the cap keeps its newest", async () => {
    const store = createMemoryStore({ maxEntries: 1_000_000, now: () => 0 });
    const cache = createSessionCache({ store, ttlMs: 60_000, maxCalls: 10 });
    await cache.rememberCalls("s", turns(0, 1, 25)[0] ?? []);
    assert.equal(store.size(), 11);
    const found = await cache.getCalls("s", [call(14).call_id, call(15).call_id, call(24).call_id]);
    assert.deepEqual([...found.keys()], [call(15).call_id, call(24).call_id]);
  });

  describe("Redis", () => {
    let redis: RedisServer;
    let plain: RedisClient;
    let client: RedisClient;
    const logger = createLogger({ level: "error", write: () => undefined });
    const outage = createOutageReporter({ logger, now: Date.now });
    before(async () => {
      redis = await startRedisServer();
      plain = createClient({ url: redis.url(0) }) as RedisClient;
      plain.on("error", () => undefined);
      await plain.connect();
      client = await connectRedisClient(redis.url(0), outage);
    });
    after(async () => {
      await client?.close().catch(() => undefined);
      await plain?.close().catch(() => undefined);
      await redis?.kill();
    });

    test("the Redis store honours the same cap: the oldest calls' keys are deleted", async () => {
      const prefix = "godex:limits:";
      const cache = createSessionCache({ store: createRedisStore({ client, prefix, ttlMs: 60_000, outage, logger }), ttlMs: 60_000, maxCalls: 5 });
      for (const batch of turns(0, 6, 2)) await cache.rememberCalls("alice:agent:main", batch);
      assert.equal((await plain.keys(`${prefix}call:*`)).length, 5, "5 calls");
      assert.equal((await plain.keys(`${prefix}calls:*`)).length, 1, "one index");
      const found = await cache.getCalls(
        "alice:agent:main",
        [0, 6, 7, 11].map((i) => call(i).call_id),
      );
      assert.deepEqual(
        [...found.keys()],
        [7, 11].map((i) => call(i).call_id),
      );
    });
  });
});
