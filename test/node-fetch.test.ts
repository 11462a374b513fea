// The Node entry's upstream fetch (runtimes/io/node-fetch.ts) over real loopback sockets: what src/ relies on
// from fetch — statuses, headers and bodies as sent, network failures and aborts as rejections, a cancelled body
// closing the connection, a dropped connection erroring the reader, content codings undone. Node only: the Bun
// and Deno entries use their own fetch.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { createEmulator, type Emulator } from "./emulator/index.ts";
import { serveEmulator, type ServedEmulator } from "./support/serve-emulator.ts";
import { RUNTIME } from "./support/runtime.ts";
import { readUntilError } from "./support/read-until-error.ts";
import { waitFor } from "./support/wait-for.ts";
import { createNodeFetch } from "../runtimes/io/node-fetch.ts";

const ACCESS = JSON.parse(readFileSync("test/fixtures/codex/auth.json", "utf8")).tokens.access_token as string;
const HEADERS = { authorization: `Bearer ${ACCESS}`, "chatgpt-account-id": "3f6b1c2e-8d4a-4f0b-9c7e-5a1d2b3c4e5f", "content-type": "application/json" };
const TURN = JSON.stringify({
  model: "gpt-5.2-codex",
  instructions: "test",
  input: [{ type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] }],
  tools: [],
  tool_choice: "auto",
  parallel_tool_calls: false,
  store: false,
  stream: true,
});

/** A plain node:http server for what the emulator does not do (codings, echoing the request). */
const listen = (handler: Parameters<typeof createServer>[1]) =>
  new Promise<{ server: Server; url: string }>((resolve) => {
    const server = createServer(handler);
    server.listen(0, "127.0.0.1", () => resolve({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` }));
  });

describe("the Node entry's upstream fetch over loopback", { skip: RUNTIME !== "node" && "the Node entry's fetch" }, () => {
  let emulator: Emulator;
  let served: ServedEmulator;
  const fallbackCalls: unknown[] = [];
  const nodeFetch = createNodeFetch(async (input, init) => {
    fallbackCalls.push(input);
    return fetch(input, init);
  });
  const turn = (init: RequestInit = {}) => nodeFetch(`${served.baseUrl}/responses`, { method: "POST", headers: HEADERS, body: TURN, ...init });

  before(async () => {
    emulator = createEmulator();
    served = await serveEmulator(emulator);
  });
  after(async () => {
    await served?.close();
  });

  test("a streamed turn arrives byte for byte as the global fetch sees it,", async () => {
    emulator.enqueue("text", { text: "same bytes either way", deltas: 5 });
    emulator.enqueue("text", { text: "same bytes either way", deltas: 5 });
    const ours = await turn();
    const theirs = await fetch(`${served.baseUrl}/responses`, { method: "POST", headers: HEADERS, body: TURN });
    assert.equal(ours.status, 200);
    assert.match(ours.headers.get("content-type") ?? "", /text\/event-stream/);
    const [a, b] = [await ours.text(), await theirs.text()];
    // Ids, times and obfuscation padding are minted per call; everything else is the same stream.
    const shape = (text: string) =>
      text
        .replace(/"(resp|msg)_[0-9a-f]+"/g, '"$1_"')
        .replace(/"(created_at|completed_at)":\d+/g, "")
        .replace(/"obfuscation":"\w*"/g, "");
    assert.equal(shape(a), shape(b));
    assert.match(a, /event: response\.completed/);
    assert.deepEqual(fallbackCalls, []);
  });

  test("an error status keeps its body and headers (a 429 with its reset information)", async () => {
    emulator.enqueue("usage-limit");
    const response = await turn();
    assert.equal(response.status, 429);
    const body = await response.json();
    assert.equal(body.error.type, "usage_limit_reached");
    assert.ok(
      [...response.headers.keys()].some((name) => name.startsWith("x-codex-")),
      "x-codex-* headers arrive",
    );
  });

  test("a refused connection rejects like fetch does, with the cause attached", async () => {
    const { server, url } = await listen(() => undefined);
    await new Promise((resolve) => server.close(resolve));
    await assert.rejects(nodeFetch(`${url}/responses`, { method: "POST", body: "{}" }), (error: unknown) => {
      assert.ok(error instanceof TypeError);
      assert.equal((error.cause as { code?: string }).code, "ECONNREFUSED");
      return true;
    });
  });

  test("an abort before the headers rejects with the signal's reason and the backend sees the client leave", async () => {
    emulator.enqueue("text", { delayHeadersMs: 5000 });
    const controller = new AbortController();
    const pending = turn({ signal: controller.signal });
    assert.ok(await waitFor(() => emulator.openStreams() === 1), "the request reached the emulator");
    const reason = new Error("client went away");
    controller.abort(reason);
    await assert.rejects(pending, (error) => error === reason);
    assert.ok(await waitFor(() => emulator.calls.at(-1)?.aborted === true), "the emulator saw the abort");
    assert.ok(await waitFor(() => emulator.openStreams() === 0));
  });

  test("cancelling the body mid-stream closes the upstream connection", async () => {
    emulator.enqueue("slow", { delayBetweenEventsMs: 100 });
    const response = await turn();
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    assert.equal((await reader.read()).done, false);
    await reader.cancel();
    assert.ok(await waitFor(() => emulator.calls.at(-1)?.aborted === true), "the emulator saw the abort");
    assert.ok(await waitFor(() => emulator.openStreams() === 0));
  });

  test("an abort after the headers errors the body reader", async () => {
    emulator.enqueue("slow", { delayBetweenEventsMs: 100 });
    const controller = new AbortController();
    const response = await turn({ signal: controller.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    controller.abort();
    await assert.rejects(async () => {
      for (;;) if ((await reader.read()).done) return;
    });
    assert.ok(await waitFor(() => emulator.openStreams() === 0));
  });

  test("a connection dropped mid-stream errors the reader instead of ending the body quietly", async () => {
    emulator.enqueue("disconnect", { afterEvents: 3 });
    const { text, error } = await readUntilError((await turn()).body as ReadableStream<Uint8Array>);
    assert.ok(error instanceof TypeError);
    assert.match(text, /event: response\.created/);
    assert.doesNotMatch(text, /response\.completed/);
  });

  test("a gzip answer is decoded, and form and byte bodies go out with their length and type", async () => {
    const seen: { type?: string; length?: string; body: string }[] = [];
    const { server, url } = await listen((request, response) => {
      let body = "";
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => {
        seen.push({ type: request.headers["content-type"], length: request.headers["content-length"], body });
        response.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
        response.end(gzipSync(JSON.stringify({ ok: true, echoed: body })));
      });
    });
    try {
      const form = await nodeFetch(`${url}/token`, { method: "POST", body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: "r 1" }) });
      assert.deepEqual(await form.json(), { ok: true, echoed: "grant_type=refresh_token&refresh_token=r+1" });
      assert.equal(form.headers.get("content-encoding"), null);
      const bytes = await nodeFetch(`${url}/bytes`, { method: "POST", body: new TextEncoder().encode("héllo"), headers: { "content-type": "text/plain" } });
      assert.equal((await bytes.json()).echoed, "héllo");
      assert.deepEqual(
        seen.map((s) => [s.type, s.length]),
        [
          ["application/x-www-form-urlencoded;charset=UTF-8", "42"],
          ["text/plain", "6"],
        ],
      );
    } finally {
      server.close();
    }
  });

  test("a Request object goes out as its parts; a streamed body goes to the fallback fetch", async () => {
    const seen: string[] = [];
    const { server, url } = await listen((request, response) => {
      let body = "";
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => {
        seen.push(`${request.method} ${request.url} ${request.headers["content-type"]} ${body}`);
        response.end("ok");
      });
    });
    try {
      const refresh = new Request(`${url}/oauth/token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"grant_type":"refresh_token"}',
      });
      assert.equal(await (await nodeFetch(refresh)).text(), "ok");
      assert.deepEqual(seen, ['POST /oauth/token application/json {"grant_type":"refresh_token"}']);
      assert.equal(fallbackCalls.length, 0, "the Request did not need the fallback");
      const streamed = new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode("{}")), c.close()) });
      const response = await nodeFetch(`${url}/stream`, { method: "POST", body: streamed, duplex: "half" } as RequestInit);
      assert.equal(await response.text(), "ok");
      assert.equal(fallbackCalls.length, 1);
      assert.equal(seen.at(-1), "POST /stream undefined {}");
    } finally {
      server.close();
    }
  });
});
