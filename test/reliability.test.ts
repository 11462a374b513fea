// Reliability over real sockets (issue #8): a corpus of malformed requests, upstream faults, 50 client
// aborts, secrets kept out of every log line, and graceful shutdown.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEmulator, type Emulator } from "./emulator/index.ts";
import { serveEmulator, type ServedEmulator } from "./support/serve-emulator.ts";
import { spawnProxy, type SpawnedProxy } from "./support/spawn-proxy.ts";
import { RUNTIME } from "./support/runtime.ts";
import { readSse } from "./support/harness.ts";
import { waitFor } from "./support/wait-for.ts";

type Json = Record<string, any>;
const KEY = "reliability-key-0123456789";
const AUTH = JSON.parse(readFileSync("test/fixtures/codex/auth.json", "utf8"));

/** Raw HTTP, so bodies that fetch would refuse to send (invalid UTF-8, odd headers) reach the server as given. */
const raw = (url: string, path: string, body: Uint8Array | string, headers: Record<string, string>) =>
  new Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }>((resolve, reject) => {
    const target = new URL(path, url);
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: "POST",
        // A transfer-encoding header in the case means a chunked body with no declared length.
        headers:
          "transfer-encoding" in headers
            ? headers
            : { ...headers, "content-length": String(typeof body === "string" ? new TextEncoder().encode(body).length : body.length) },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
      },
    );
    req.on("error", reject);
    if (!("transfer-encoding" in headers)) return void req.end(body);
    // Chunked: the body in a few pieces, so a reader cannot rely on one chunk.
    const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
    const piece = Math.ceil(bytes.length / 3) || 1;
    for (let at = 0; at < bytes.length; at += piece) req.write(bytes.subarray(at, at + piece));
    req.end();
  });

const nested = (depth: number) => `{"input":${"[".repeat(depth)}${"]".repeat(depth)}}`;
const json = "application/json";
const auth = { authorization: `Bearer ${KEY}`, "content-type": json };

/** [name, path, body, headers, expected status, param or null] */
const CORPUS: [string, string, string | Uint8Array, Record<string, string>, number, string | null][] = [
  ["invalid JSON", "/v1/responses", "{nope", auth, 400, null],
  ["empty body", "/v1/responses", "", auth, 400, null],
  ["JSON null", "/v1/responses", "null", auth, 400, null],
  ["JSON array", "/v1/responses", "[]", auth, 400, null],
  ["wrong content type", "/v1/responses", '{"input":"x"}', { ...auth, "content-type": "application/x-www-form-urlencoded" }, 415, null],
  ["invalid UTF-8", "/v1/responses", new Uint8Array([0x7b, 0x22, 0x69, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), auth, 400, null],
  ["deeply nested JSON", "/v1/responses", nested(20_000), auth, 400, null],
  ["body over the limit", "/v1/responses", `{"input":"${"x".repeat(70_000)}"}`, auth, 413, null],
  [
    "chunked body over the limit (no declared length)",
    "/v1/responses",
    `{"input":"${"x".repeat(70_000)}"}`,
    { ...auth, "transfer-encoding": "chunked" },
    413,
    null,
  ],
  [
    "chunked body with invalid UTF-8",
    "/v1/responses",
    new Uint8Array([0x7b, 0x22, 0x69, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    { ...auth, "transfer-encoding": "chunked" },
    400,
    null,
  ],
  ["no Authorization", "/v1/responses", '{"input":"x"}', { "content-type": json }, 401, null],
  ["malformed Authorization", "/v1/responses", '{"input":"x"}', { authorization: `Token ${KEY}`, "content-type": json }, 401, null],
  ["wrong key", "/v1/responses", '{"input":"x"}', { authorization: "Bearer wrong", "content-type": json }, 401, null],
  ["input a number", "/v1/responses", '{"input":5}', auth, 400, "input"],
  ["model a number", "/v1/responses", '{"input":"x","model":5}', auth, 400, "model"],
  ["instructions an object", "/v1/responses", '{"input":"x","instructions":{}}', auth, 400, "instructions"],
  ["tools an object", "/v1/responses", '{"input":"x","tools":{}}', auth, 400, "tools"],
  ["tool without type", "/v1/responses", '{"input":"x","tools":[{"name":"f"}]}', auth, 400, "tools[0].type"],
  ["tool_choice a number", "/v1/responses", '{"input":"x","tool_choice":3}', auth, 400, "tool_choice"],
  ["parallel_tool_calls a string", "/v1/responses", '{"input":"x","parallel_tool_calls":"yes"}', auth, 400, "parallel_tool_calls"],
  ["stream a string", "/v1/responses", '{"input":"x","stream":"true"}', auth, 400, "stream"],
  ["reasoning a string", "/v1/responses", '{"input":"x","reasoning":"high"}', auth, 400, "reasoning"],
  ["include a string", "/v1/responses", '{"input":"x","include":"all"}', auth, 400, "include"],
  ["user a number", "/v1/responses", '{"input":"x","user":7}', auth, 400, "user"],
  ["unknown model", "/v1/responses", '{"input":"x","model":"gpt-0"}', auth, 400, null],
  ["huge model name", "/v1/responses", JSON.stringify({ input: "x", model: "m".repeat(20_000) }), auth, 400, null],
  ["unknown role", "/v1/responses", '{"input":[{"type":"message","role":"wizard","content":"x"}]}', auth, 400, "input[0]"],
  ["unknown item type", "/v1/responses", '{"input":[{"type":"telepathy"}]}', auth, 400, "input[0]"],
  ["dangling tool output", "/v1/responses", '{"input":[{"type":"function_call_output","call_id":"call_nowhere","output":"x"}]}', auth, 400, "input"],
  [
    "duplicated call ids",
    "/v1/responses",
    JSON.stringify({
      input: [
        { type: "function_call", call_id: "call_dup", name: "f", arguments: "{}" },
        { type: "function_call_output", call_id: "call_dup", output: "1" },
        { type: "function_call", call_id: "call_dup", name: "f", arguments: "{}" },
        { type: "function_call_output", call_id: "call_dup", output: "2" },
      ],
    }),
    auth,
    400,
    "input",
  ],
  ["chat: no messages", "/v1/chat/completions", '{"model":"gpt-5.4"}', auth, 400, "messages"],
  ["chat: empty messages", "/v1/chat/completions", '{"messages":[]}', auth, 400, "messages"],
  ["chat: unknown role", "/v1/chat/completions", '{"messages":[{"role":"wizard","content":"x"}]}', auth, 400, "messages[0].role"],
  ["chat: content a number", "/v1/chat/completions", '{"messages":[{"role":"user","content":5}]}', auth, 400, "messages[0].content"],
  ["chat: tool message without tool_call_id", "/v1/chat/completions", '{"messages":[{"role":"tool","content":"x"}]}', auth, 400, "messages[0].tool_call_id"],
  ["chat: n > 1", "/v1/chat/completions", '{"n":3,"messages":[{"role":"user","content":"x"}]}', auth, 400, "n"],
  ["chat: tools a string", "/v1/chat/completions", '{"tools":"all","messages":[{"role":"user","content":"x"}]}', auth, 400, "tools"],
  ["chat: dangling tool_call_id", "/v1/chat/completions", '{"messages":[{"role":"tool","tool_call_id":"call_gone","content":"x"}]}', auth, 400, "input"],
];

describe(`reliability over a socket on ${RUNTIME}`, () => {
  let dir: string;
  let emulator: Emulator;
  let served: ServedEmulator;
  let proxy: SpawnedProxy;
  const post = (path: string, body: unknown, signal?: AbortSignal) =>
    fetch(`${proxy.url}${path}`, { method: "POST", headers: auth, body: JSON.stringify(body), signal });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "godex-reliability-"));
    copyFileSync("test/fixtures/codex/auth.json", join(dir, "auth.json"));
    emulator = createEmulator();
    served = await serveEmulator(emulator);
    proxy = await spawnProxy([
      "--api-key",
      KEY,
      "--auth-path",
      join(dir, "auth.json"),
      "--base-url",
      served.baseUrl,
      "--body-limit",
      "64kb",
      "--log-level",
      "debug",
      "--log-requests",
    ]);
  });
  after(async () => {
    await proxy?.stop("SIGKILL");
    await served?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test(`a corpus of ${CORPUS.length} malformed requests: each an OpenAI-shaped 4xx a person can act on`, async () => {
    assert.ok(CORPUS.length >= 30);
    for (const [name, path, body, headers, status, param] of CORPUS) {
      const response = await raw(proxy.url, path, body, headers);
      assert.equal(response.status, status, `${name}: ${response.body.slice(0, 300)}`);
      const parsed = JSON.parse(response.body);
      assert.deepEqual(Object.keys(parsed), ["error"], name);
      assert.equal(typeof parsed.error.message, "string", name);
      assert.ok(parsed.error.message.length > 15, `${name}: message too terse: ${parsed.error.message}`);
      assert.ok("type" in parsed.error && "code" in parsed.error && "param" in parsed.error, name);
      if (param !== null) assert.equal(parsed.error.param, param, name);
    }
    const chunked = await raw(proxy.url, "/v1/responses", JSON.stringify({ input: "in pieces" }), { ...auth, "transfer-encoding": "chunked" });
    assert.equal(chunked.status, 200, `a chunked body under the limit is read: ${chunked.body.slice(0, 300)}`);
    assert.match(JSON.stringify(emulator.calls.at(-1)?.body), /"text":"in pieces"/);
    const healthy = await post("/v1/responses", { input: "still there?" });
    assert.equal(healthy.status, 200, "the server keeps serving");
    assert.equal((await healthy.json()).output_text, "hello");
  });

  test("a backend that refuses connections is a 502 with a fixed message (no host or port)", async () => {
    const other = await spawnProxy(["--api-key", KEY, "--auth-path", join(dir, "auth.json"), "--base-url", "http://127.0.0.1:9/backend-api/codex"]);
    try {
      const response = await post.call(null, "/v1/responses", { input: "x" }).catch(() => undefined);
      void response;
      const res = await fetch(`${other.url}/v1/responses`, { method: "POST", headers: auth, body: '{"input":"x"}' });
      assert.equal(res.status, 502);
      const body = await res.json();
      assert.equal(body.error.message, "Could not reach the Codex backend; please retry.");
    } finally {
      await other.stop("SIGKILL");
    }
  });

  test("a connection reset mid-stream ends the client stream cleanly with an error event", async () => {
    emulator.enqueue("disconnect", { afterEvents: 5, midLine: true });
    const frames = await readSse(await post("/v1/responses", { input: "x", stream: true }));
    assert.equal((frames.find((f) => f.event === "error")?.data as Json).code, "stream_truncated");
    emulator.enqueue("disconnect", { afterEvents: 5 });
    const chat = await readSse(await post("/v1/chat/completions", { stream: true, messages: [{ role: "user", content: "x" }] }));
    assert.equal((chat.at(-2)?.data as Json).error.code, "stream_truncated");
    assert.equal(chat.at(-1)?.data, "[DONE]");
  });

  test("50 concurrent client aborts leave zero open upstream requests", async () => {
    const before = emulator.calls.length;
    for (let i = 0; i < 50; i++) emulator.enqueue("hang", { afterEvents: 3 });
    const controllers = Array.from({ length: 50 }, () => new AbortController());
    const readers = await Promise.all(
      controllers.map(async (controller) => {
        const response = await post("/v1/responses", { input: "x", stream: true }, controller.signal);
        const reader = (response.body as ReadableStream<Uint8Array>).getReader();
        await reader.read();
        return reader;
      }),
    );
    assert.equal(emulator.openStreams(), 50);
    controllers.forEach((c) => c.abort());
    await Promise.all(readers.map((r) => r.cancel().catch(() => undefined)));
    assert.ok(await waitFor(() => emulator.openStreams() === 0, 8000), `open upstream streams: ${emulator.openStreams()}`);
    assert.equal(emulator.calls.slice(before).filter((c) => c.aborted).length, 50);
    assert.equal((await post("/v1/responses", { input: "x" })).status, 200);
  });

  test("no token, key or Authorization value appears in any log line (debug level, request lines on)", async () => {
    await (await post("/v1/responses", { input: "x", stream: true })).text();
    await (await post("/v1/chat/completions", { messages: [{ role: "user", content: "x" }] })).text();
    await raw(proxy.url, "/v1/responses", '{"input":"x"}', {
      authorization: "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlMTIz",
      "content-type": json,
    });
    const output = proxy.output();
    assert.match(
      output,
      /level=info msg=request method=POST path=\/v1\/responses status=200 ms=\d+ ttfb_ms=\d+ stream=true model=gpt-5\.2-codex upstream=200 outcome=completed session=[0-9a-f]{6} tokens_in=\d+/,
    );
    for (const secret of [KEY, AUTH.tokens.access_token, AUTH.tokens.refresh_token, AUTH.tokens.id_token, "eyJhbGciOiJIUzI1NiJ9"]) {
      assert.ok(!output.includes(secret), `a secret leaked into the log: ${secret.slice(0, 12)}…`);
    }
    assert.doesNotMatch(output, /Unhandled|uncaught/i);
  });

  test("--log-format json writes one JSON object per line", async () => {
    const other = await spawnProxy([
      "--api-key",
      KEY,
      "--auth-path",
      join(dir, "auth.json"),
      "--base-url",
      served.baseUrl,
      "--log-requests",
      "--log-format",
      "json",
    ]);
    try {
      await (await fetch(`${other.url}/v1/models`, { headers: auth })).text();
      await new Promise((r) => setTimeout(r, 100));
      const lines = other
        .output()
        .split("\n")
        .filter((l) => l.startsWith("{"));
      const record = lines.map((l) => JSON.parse(l)).find((l) => l.msg === "request");
      assert.equal(record.path, "/v1/models");
      assert.equal(record.status, 200);
      assert.equal(record.level, "info");
    } finally {
      await other.stop("SIGKILL");
    }
  });

  test("SIGTERM lets a running stream finish, refuses new connections, then exits 0", async () => {
    const other = await spawnProxy(["--api-key", KEY, "--auth-path", join(dir, "auth.json"), "--base-url", served.baseUrl]);
    emulator.enqueue("slow", { delayBetweenEventsMs: 60 });
    const response = await fetch(`${other.url}/v1/responses`, { method: "POST", headers: auth, body: JSON.stringify({ input: "x", stream: true }) });
    const text = response.text();
    await new Promise((r) => setTimeout(r, 150));
    process.kill(other.child.pid as number, "SIGTERM");
    const body = await text;
    const streamEnded = Date.now();
    assert.match(body, /event: response\.completed/);
    assert.match(body, /data: \[DONE\]/);
    assert.equal(await other.exited, 0);
    // D18: the client's keep-alive connection is closed once idle, not left to Node's 5 s keep-alive timeout.
    const lingered = Date.now() - streamEnded;
    assert.ok(lingered < 2_500, `exited ${lingered} ms after the last stream ended`);
    await assert.rejects(fetch(`${other.url}/health`));
  });

  test("after --shutdown-grace the remaining streams are cut and the process still exits 0", async () => {
    const other = await spawnProxy(["--api-key", KEY, "--auth-path", join(dir, "auth.json"), "--base-url", served.baseUrl, "--shutdown-grace", "300ms"]);
    emulator.enqueue("hang", { afterEvents: 2 });
    const response = await fetch(`${other.url}/v1/responses`, { method: "POST", headers: auth, body: JSON.stringify({ input: "x", stream: true }) });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    const t0 = Date.now();
    process.kill(other.child.pid as number, "SIGTERM");
    assert.equal(await other.exited, 0);
    assert.ok(Date.now() - t0 < 5000);
    await reader.cancel().catch(() => undefined);
    assert.ok(await waitFor(() => emulator.openStreams() === 0));
  });
});
