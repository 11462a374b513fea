// The rest of issue 18 over real sockets on every entry (red team D10, D11, D17; items 4 and 6): a malformed chunk
// extension, an upstream event nested 50,000 levels, prototype-key model names on /v1/messages, session keys no
// header can carry, Server-Timing on every proxied answer, and what one session can reach of another's.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { connect } from "node:net";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Emulator } from "./emulator/index.ts";
import { type ProxyOverEmulator, startProxyOverEmulator } from "./support/proxy-over-emulator.ts";
import { spawnProxy, type SpawnedProxy } from "./support/spawn-proxy.ts";
import { RUNTIME } from "./support/runtime.ts";

type Json = Record<string, any>;
const KEY = "audit-18-key";
const HEADERS = { authorization: `Bearer ${KEY}`, "content-type": "application/json" };
const TIMING = /^proxy;dur=\d+, upstream;dur=\d+$/;
const CHAT = { messages: [{ role: "user", content: "x" }] };
const MESSAGES = { model: "claude-sonnet-4-5", max_tokens: 10, messages: [{ role: "user", content: "x" }] };

/** One HTTP/1.1 exchange on a raw socket (Connection: close): everything the server wrote. */
const rawExchange = (url: string, payload: string) =>
  new Promise<string>((resolve) => {
    const { port } = new URL(url);
    const socket = connect(Number(port), "127.0.0.1");
    let out = "";
    socket.on("data", (chunk) => (out += chunk.toString()));
    socket.on("close", () => resolve(out));
    socket.on("error", () => resolve(out));
    socket.write(payload);
    // The answer may come before the body is read; end our side once the server has had its say.
    setTimeout(() => socket.end(), 3_000);
  });

describe(`issue 18 rest over the emulator on ${RUNTIME}`, () => {
  let setup: ProxyOverEmulator | undefined;
  let emulator: Emulator;
  let proxy: SpawnedProxy;
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${proxy.url}${path}`, { method: "POST", headers: { ...HEADERS, ...headers }, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) });

  before(async () => {
    setup = await startProxyOverEmulator("audit-18", ["--api-key", KEY]);
    ({ emulator, proxy } = setup);
  });
  after(() => setup?.close());

  test("D17: a 20 KB chunk extension is the client's 4xx (Deno: a 400 in the dialect's shape), never a 499 or a 500", async () => {
    for (const path of ["/v1/responses", "/v1/messages"]) {
      const body = JSON.stringify(path === "/v1/messages" ? MESSAGES : { input: "x" });
      const head = `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${KEY}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`;
      const answer = await rawExchange(proxy.url, `${head}${body.length.toString(16)};${"e".repeat(20_000)}\r\n${body}\r\n0\r\n\r\n`);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]);
      // Node's and Bun's parsers refuse the line themselves (413, below the handler); Deno passes the request on
      // and fails the body read (docs/security.md).
      assert.ok(status === 400 || status === 413, `${path}: ${answer.slice(0, 300)}`);
      if (RUNTIME === "deno") {
        assert.equal(status, 400, answer.slice(0, 300));
        const json = JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4)) as Json;
        if (path === "/v1/messages") assert.equal(json.error.type, "invalid_request_error");
        else assert.equal(json.error.code, "invalid_request_body");
        assert.match(json.error.message, /chunked framing/);
      }
    }
    const body = JSON.stringify({ input: "x" });
    const ok = await rawExchange(
      proxy.url,
      `POST /v1/responses HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${KEY}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${body.length.toString(16)};ext=1\r\n${body}\r\n0\r\n\r\n`,
    );
    assert.match(ok, /^HTTP\/1\.1 200/, "a short extension is still served");
  });

  test("D17: model names that are Object.prototype members are a 400 on /v1/messages too, never a 500", async () => {
    for (const model of ["constructor", "__proto__", "toString", "hasOwnProperty-low", "constructor-high"]) {
      for (const [stream, extra] of [
        [false, {}],
        [true, {}],
        [false, { thinking: { type: "disabled" } }],
        [false, { thinking: { type: "enabled", budget_tokens: 2048 } }],
        [false, { output_config: { effort: "high" } }],
      ] as const) {
        const response = await post("/v1/messages", { ...MESSAGES, ...extra, model, stream });
        const text = await response.text();
        assert.notEqual(response.status, 500, `${model}: ${text.slice(0, 200)}`);
        assert.ok(response.status === 400 || response.status === 404, `${model} stream=${stream}: ${response.status} ${text.slice(0, 200)}`);
        const json = JSON.parse(text) as Json;
        assert.equal(json.type, "error");
        assert.match(json.error.type, /^(invalid_request_error|not_found_error)$/);
      }
    }
    assert.doesNotMatch(proxy.output(), /internal error|is not a function/);
  });

  test("D10: a `user` or `prompt_cache_key` no header can carry (non-Latin-1, control characters, a lone surrogate, 20 KB) is served, never a 502", async () => {
    const values: [string, string][] = [
      ["CJK and an emoji", "用户 🙂"],
      ["control characters", "a\nb\u0000c\u0007"],
      ["a lone surrogate", "x\ud800y"],
      ["20 KB", "u".repeat(20_000)],
    ];
    for (const field of ["user", "prompt_cache_key"]) {
      for (const [label, value] of values) {
        for (const [path, body] of [
          ["/v1/responses", { input: "x" }],
          ["/v1/chat/completions", CHAT],
        ] as const) {
          const response = await post(path, { ...body, [field]: value });
          const text = await response.text();
          assert.equal(response.status, 200, `${field} ${label} on ${path}: ${text.slice(0, 200)}`);
          const call = emulator.calls.at(-1);
          assert.ok(call !== undefined);
          assert.match(call.headers["session-id"] ?? "", /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, `${field} ${label}`);
          for (const header of Object.values(call.headers)) assert.ok(!header.includes(value.slice(0, 8)), `${field} ${label}: raw value in a header`);
          const sent = (call.body as Json).prompt_cache_key;
          // The client's own prompt_cache_key is its choice and goes in the body as sent; one derived from `user` is the hash.
          if (field === "user") assert.equal(sent, call.headers["session-id"], `${label}: the default prompt_cache_key is the hash`);
          else assert.equal(sent, value);
        }
      }
    }
  });

  test("D11: a session that sends another session's call id never gets that call or its instructions", async () => {
    const tools = [{ type: "function", name: "lookup", parameters: { type: "object", properties: { q: { type: "string" } } } }];
    const first = (await (
      await post("/v1/responses", { user: "alice", instructions: "alice's secret", input: 'CALL_TOOL lookup {"q":"alice-only"}', tools })
    ).json()) as Json;
    const callId = first.output.find((item: Json) => item.type === "function_call")?.call_id as string;
    assert.equal(typeof callId, "string");
    const calls = emulator.calls.length;
    // Another session key, by every signal a client can choose: a user, the OpenClaw header, a prompt_cache_key.
    for (const [label, extra, headers] of [
      ["user", { user: "bob" }, {}],
      ["x-openclaw-session-key", {}, { "x-openclaw-session-key": "alice" }],
      ["prompt_cache_key", { prompt_cache_key: "alice" }, {}],
    ] as const) {
      const crossed = await post("/v1/responses", { ...extra, input: [{ type: "function_call_output", call_id: callId, output: "x" }], tools }, headers);
      const error = ((await crossed.json()) as Json).error;
      assert.equal(crossed.status, 400, `${label}: ${JSON.stringify(error)}`);
      assert.equal(error.code, "tool_call_not_found", label);
      const plain = await post("/v1/responses", { ...extra, input: "x" }, headers);
      assert.equal(plain.status, 200);
      await plain.text();
      const sent = emulator.calls.at(-1)?.body as Json;
      assert.notEqual(sent.instructions, "alice's secret", `${label} read alice's instructions`);
    }
    for (const call of emulator.calls.slice(calls)) assert.ok(!call.rawBody.includes("alice-only"), "alice's call arguments went upstream for another session");
    const own = await post("/v1/responses", { user: "alice", input: [{ type: "function_call_output", call_id: callId, output: "x" }], tools });
    assert.equal(own.status, 200, "alice still has her call");
    await own.text();
    assert.equal((emulator.calls.at(-1)?.body as Json).instructions, "alice's secret");
  });
});

/** A scripted upstream on a raw node:http server: each test sets `handler`. */
describe(`issue 18 rest over a scripted upstream on ${RUNTIME}`, () => {
  let dir: string;
  let server: Server;
  let handler: (req: IncomingMessage, res: ServerResponse, body: string) => void = (_req, res) => res.end();
  let proxy: SpawnedProxy;
  const post = (path: string, body: unknown) =>
    fetch(`${proxy.url}${path}`, { method: "POST", headers: HEADERS, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "godex-audit-18-"));
    copyFileSync("test/fixtures/codex/auth.json", join(dir, "auth.json"));
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      // The start-up model check's GET /models is not the request under test.
      req.on("end", () => (req.method === "POST" ? handler(req, res, body) : res.end()));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    proxy = await spawnProxy(["--api-key", KEY, "--auth-path", join(dir, "auth.json"), "--base-url", `http://127.0.0.1:${port}`, "--header-timeout", "2s"]);
  });
  after(async () => {
    await proxy?.stop("SIGKILL");
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  /** An SSE answer: created, one message item, then `completed` with `extra` spliced into its response object. */
  const turn = (res: ServerResponse, extra = "") => {
    const item = '{"type":"message","id":"msg_1","role":"assistant","status":"completed","content":[{"type":"output_text","text":"hi","annotations":[]}]}';
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(`event: response.created\ndata: {"type":"response.created","response":{"id":"resp_1","status":"in_progress","output":[]}}\n\n`);
    res.write(`event: response.output_item.added\ndata: {"type":"response.output_item.added","output_index":0,"item":${item}}\n\n`);
    res.write(`event: response.output_item.done\ndata: {"type":"response.output_item.done","output_index":0,"item":${item}}\n\n`);
    res.end(
      `event: response.completed\ndata: {"type":"response.completed","response":{"id":"resp_1","status":"completed","output":[],"usage":{"input_tokens":1,"output_tokens":1,"total_tokens":2}${extra}}}\n\n`,
    );
  };

  test("D17: a response.completed nested 50,000 levels is the dialect's upstream error (502, or an error frame in a stream), never a 500", async () => {
    const deep = `${'{"a":'.repeat(50_000)}1${"}".repeat(50_000)}`;
    handler = (_req, res) => turn(res, `,"metadata":${deep}`);
    for (const [path, body] of [
      ["/v1/responses", { input: "x" }],
      ["/v1/chat/completions", CHAT],
      ["/v1/messages", MESSAGES],
    ] as const) {
      const plain = await post(path, body);
      const json = (await plain.json()) as Json;
      assert.equal(plain.status, 502, `${path}: ${JSON.stringify(json).slice(0, 300)}`);
      assert.match(json.error.message, /nested more than 1000 levels/);
      assert.equal(json.error.type, path === "/v1/messages" ? "api_error" : "upstream_error");
      const streamed = await post(path, { ...body, stream: true });
      const text = await streamed.text();
      // Messages holds its status line until output shows; this transcript's output came before the deep event.
      assert.equal(streamed.status, 200, `${path} stream: ${text.slice(0, 300)}`);
      assert.match(text, /nested more than 1000 levels/, `${path} stream: ${text.slice(-600)}`);
      if (path === "/v1/responses") assert.match(text, /event: error\n/);
      if (path === "/v1/chat/completions") assert.match(text, /data: \{"error":.*\n\ndata: \[DONE\]\n\n$/s);
      if (path === "/v1/messages") assert.match(text, /event: error\n/);
    }
    assert.doesNotMatch(proxy.output(), /internal error|Maximum call stack/);
    handler = (_req, res) => turn(res, `,"metadata":${`${'{"a":'.repeat(400)}1${"}".repeat(400)}`}`);
    const shallow = await post("/v1/responses", { input: "x" });
    assert.equal(shallow.status, 200, "an event 400 levels deep is still served");
    assert.equal(((await shallow.json()) as Json).output_text, "hi");
  });

  test("item 4: Server-Timing with the upstream time on every proxied answer: passed-on 400/401/429/500, 502 transport error, 504, streams, non-stream, /v1/messages, compact", async () => {
    const error = (status: number) => (_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(status, { "content-type": "application/json", ...(status === 429 ? { "retry-after": "7" } : {}) });
      res.end(JSON.stringify({ error: { message: `scripted ${status}`, type: "invalid_request_error", code: "scripted" } }));
    };
    const hung: ServerResponse[] = [];
    const cases: [string, typeof handler, string, unknown, number][] = [
      ["passed-on 400", error(400), "/v1/responses", { input: "x" }, 400],
      ["passed-on 401", error(401), "/v1/chat/completions", CHAT, 401],
      ["passed-on 429", error(429), "/v1/responses", { input: "x", stream: true }, 429],
      ["backend 500", error(500), "/v1/chat/completions", { ...CHAT, stream: true }, 502],
      ["Anthropic 400", error(400), "/v1/messages", MESSAGES, 400],
      ["transport error", (req) => req.socket.destroy(), "/v1/responses", { input: "x" }, 502],
      ["header timeout", (_req, res) => void hung.push(res), "/v1/chat/completions", CHAT, 504],
      ["stream 200", (_req, res) => turn(res), "/v1/responses", { input: "x", stream: true }, 200],
      ["non-stream 200", (_req, res) => turn(res), "/v1/chat/completions", CHAT, 200],
      ["Messages 200", (_req, res) => turn(res), "/v1/messages", MESSAGES, 200],
      ["Messages stream 200", (_req, res) => turn(res), "/v1/messages", { ...MESSAGES, stream: true }, 200],
      ["compact 200", (_req, res) => turn(res), "/v1/responses/compact", { input: "x" }, 200],
      ["compact 400", error(400), "/v1/responses/compact", { input: "x" }, 400],
    ];
    for (const [name, script, path, body, status] of cases) {
      handler = script;
      const response = await post(path, body);
      const text = await response.text();
      assert.equal(response.status, status, `${name}: ${text.slice(0, 200)}`);
      assert.match(response.headers.get("server-timing") ?? "", TIMING, name);
    }
    for (const res of hung) res.destroy();
    const refused = await post("/v1/responses", { input: 5 });
    assert.equal(refused.status, 400);
    assert.equal(refused.headers.get("server-timing"), null, "no upstream call, no upstream time");
  });
});
