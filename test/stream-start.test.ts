// When a streamed answer starts (issue 18; red team D14), over real sockets on every entry: the client has the 200's
// headers before the upstream sent a byte of its body (Node and Bun write the status line only with the first body
// bytes, so the relay opens with a comment), and an upstream dribbling an event that never completes still gets the
// client its keep-alive comments (they are timed from the last byte sent to the client, not from upstream chunks).
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnProxy, type SpawnedProxy } from "./support/spawn-proxy.ts";
import { RUNTIME } from "./support/runtime.ts";

const KEY = "stream-start-key";
const TRANSCRIPT = readFileSync("test/fixtures/codex/text.sse", "utf8");

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const BODIES: [string, unknown][] = [
  ["/v1/responses", { input: "x", stream: true }],
  ["/v1/chat/completions", { messages: [{ role: "user", content: "x" }], stream: true }],
  ["/v1/messages", { model: "claude-sonnet-4-5", max_tokens: 10, messages: [{ role: "user", content: "x" }], stream: true }],
];

/** A promise and its resolve, so the test and the scripted upstream can hand each other the turn. */
const handoff = <T = void>() => {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
};

/** The 200's status line and headers, written now (flushHeaders), with no body byte. */
const sendHeaders = (res: ServerResponse) => {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  res.flushHeaders();
};

describe(`when a streamed answer starts, over a socket on ${RUNTIME} (red team D14)`, () => {
  let dir: string;
  let server: Server;
  let handler: Handler = (_req, res) => res.end();
  /** Keep-alive far off, so only the opening comment can bring the headers early. */
  let patient: SpawnedProxy;
  /** Keep-alive every second. */
  let brisk: SpawnedProxy;
  const post = (proxy: SpawnedProxy, path: string, body: unknown, signal?: AbortSignal) =>
    fetch(`${proxy.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: signal ?? AbortSignal.timeout(30_000),
    });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "godex-stream-start-"));
    copyFileSync("test/fixtures/codex/auth.json", join(dir, "auth.json"));
    server = createServer((req, res) => {
      req.resume();
      // Turns only: the start-up model check's GET /models is not the request under test.
      if (req.method !== "POST") return void res.end();
      handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = ["--api-key", KEY, "--auth-path", join(dir, "auth.json"), "--base-url", `http://127.0.0.1:${(server.address() as { port: number }).port}`];
    patient = await spawnProxy([...base, "--keep-alive", "60s"]);
    brisk = await spawnProxy([...base, "--keep-alive", "1s"]);
  });
  after(async () => {
    await patient?.stop("SIGKILL");
    await brisk?.stop("SIGKILL");
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  // /v1/messages is left out on purpose: it holds the status line back until the first output event (or
  // --keep-alive) so that an early failure can still be an HTTP error status (src/sse/peek-upstream.ts).
  for (const [path, body] of BODIES.slice(0, 2)) {
    test(`${path}: headers then silence: the client has the 200's headers before the upstream sends a body byte`, async () => {
      const order: string[] = [];
      const go = handoff<string>();
      handler = (_req, res) => {
        sendHeaders(res);
        // Never waits for ever: without the opening comment Node and Bun hold the headers until these bytes.
        const fallback = setTimeout(() => go.resolve("after 5 s"), 5_000);
        void go.promise.then((who) => {
          clearTimeout(fallback);
          order.push(`upstream body (${who})`);
          res.end(TRANSCRIPT);
        });
      };
      const response = await post(patient, path, body);
      order.push("client has headers");
      go.resolve("on the test's go");
      const text = await response.text();
      assert.deepEqual(order, ["client has headers", "upstream body (on the test's go)"]);
      assert.equal(response.status, 200);
      assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);
      assert.ok(text.startsWith(": ok\n\n"), `the first bytes are the opening comment: ${JSON.stringify(text.slice(0, 60))}`);
      assert.match(text, path === "/v1/responses" ? /event: response\.completed/ : /data: \[DONE\]/);
    });
  }

  for (const [path, body] of BODIES) {
    test(`${path}: an event dribbled a byte every 300 ms and never completed still gets the client keep-alive comments`, async () => {
      const stop = handoff();
      let dripped = 0;
      handler = (_req, res) => {
        sendHeaders(res);
        res.write('data: {"type":"response.output_text.delta","delta":"');
        // At most 40 bytes (12 s), then the body ends: without the fix the client then sees the end and no keep-alive.
        const timer = setInterval(() => {
          if (res.destroyed) return clearInterval(timer);
          if (dripped === 40) {
            clearInterval(timer);
            return void res.end();
          }
          dripped += 1;
          res.write("a");
        }, 300);
        void stop.promise.then(() => {
          clearInterval(timer);
          res.destroy();
        });
      };
      const controller = new AbortController();
      const response = await post(brisk, path, body, controller.signal);
      assert.equal(response.status, 200);
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let text = "";
      const keepAlives = () => (text.match(/^: keep-alive$/gm) ?? []).length;
      for (let r = await reader.read(); !r.done && keepAlives() < 2; r = await reader.read()) text += decoder.decode(r.value, { stream: true });
      const drippedBeforeStop = dripped;
      stop.resolve();
      controller.abort();
      await reader.cancel().catch(() => undefined);
      assert.ok(keepAlives() >= 2, `keep-alive comments while the upstream dribbled: ${JSON.stringify(text.slice(0, 200))}`);
      assert.ok(drippedBeforeStop < 40, "they came while the upstream was still dribbling, not at its end");
    });
  }
});
