// Client connections over real sockets (red team D4, issue 18): a connection that sends nothing, a half-sent request
// head (slowloris) and an idle keep-alive connection are closed by the server after --idle-timeout, and running out of
// file descriptors (EMFILE) never ends the process: it answers again once they are released.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnProxy, type SpawnedProxy } from "./support/spawn-proxy.ts";
import { entryCommand } from "./support/runtime.ts";

/** Longest a closed-by-the-server wait may take before the test calls the connection "never closed". */
const CLOSE_CEILING_MS = 20_000;

/** Opens a raw TCP connection to the proxy; resolves once connected. */
const open = (url: string) =>
  new Promise<Socket>((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname, () => resolve(socket));
    socket.once("error", reject);
  });

/** Resolves with what the server sent once it closes the connection; rejects if it is still open after the ceiling. */
const closedByServer = (socket: Socket) =>
  new Promise<string>((resolve, reject) => {
    let received = "";
    socket.on("data", (chunk: Buffer) => (received += chunk.toString("latin1")));
    socket.on("error", () => {});
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server left the connection open for ${CLOSE_CEILING_MS} ms; received ${JSON.stringify(received)}`));
    }, CLOSE_CEILING_MS);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve(received);
    });
  });

const authDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "godex-connections-"));
  copyFileSync("test/fixtures/codex/auth.json", join(dir, "auth.json"));
  return dir;
};
const baseArgs = (dir: string, idleTimeout: string) => [
  "--allow-any-key",
  "--auth-path",
  join(dir, "auth.json"),
  "--base-url",
  "http://127.0.0.1:9/backend",
  "--idle-timeout",
  idleTimeout,
];

describe("idle and slow client connections are closed (--idle-timeout)", () => {
  let dir: string;
  let proxy: SpawnedProxy;
  before(async () => {
    dir = authDir();
    proxy = await spawnProxy(baseArgs(dir, "2s"));
  });
  after(async () => {
    await proxy?.stop("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  test("a connection that never sends a byte is closed", async () => {
    const socket = await open(proxy.url);
    await closedByServer(socket);
  });

  test("a half-sent request head (slowloris: a few header lines, then silence) is closed without reaching a route", async () => {
    const socket = await open(proxy.url);
    socket.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1\r\n");
    const received = await closedByServer(socket);
    // Node answers 408 before closing; nobody may answer the request as if it had arrived.
    assert.doesNotMatch(received, /^HTTP\/1\.1 200/);
  });

  test("a keep-alive connection left idle after a complete request is closed", async () => {
    const socket = await open(proxy.url);
    const closed = closedByServer(socket);
    socket.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n");
    const received = await closed;
    assert.match(received, /^HTTP\/1\.1 200/, "the request itself was answered");
    assert.doesNotMatch(received, /connection: close/i, "the server offered keep-alive, so the close came from the idle timeout");
  });
});

describe("--idle-timeout never cuts a request in flight", () => {
  /** Longer than the proxy's --idle-timeout (2 s) and Bun's timer tick, so a timer left running would fire. */
  const UPSTREAM_SILENCE_MS = 6_000;
  const transcript = readFileSync("test/fixtures/codex/text.sse", "utf8");
  let dir: string;
  let upstream: Server;
  let proxy: SpawnedProxy;
  before(async () => {
    dir = authDir();
    // Silent for longer than --idle-timeout before its headers, then the whole answer at once.
    upstream = createServer((req, res) => {
      req.resume();
      if (req.method !== "POST") return void res.end();
      setTimeout(() => {
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.end(transcript);
      }, UPSTREAM_SILENCE_MS);
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    const args = baseArgs(dir, "2s");
    args[args.indexOf("--base-url") + 1] = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;
    proxy = await spawnProxy(args);
  });
  after(async () => {
    await proxy?.stop("SIGKILL");
    upstream?.closeAllConnections();
    await new Promise((resolve) => upstream?.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  test("a stream:false answer that waits on a silent upstream is delivered, then the idle connection is closed", async () => {
    const socket = await open(proxy.url);
    const closed = closedByServer(socket);
    const body = JSON.stringify({ input: "x", stream: false });
    socket.write(`POST /v1/responses HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    const received = await closed;
    assert.match(received, /^HTTP\/1\.1 200/, `the answer came through after ${UPSTREAM_SILENCE_MS} ms of upstream silence`);
    assert.match(received, /"status":"completed"/);
  });
});

/** The proxy's descriptor limit in the EMFILE test: room to start (Node loads its modules from node_modules), far below the connections opened. */
const DESCRIPTOR_LIMIT = 256;

/** The entry under `ulimit -n <limit>`, started like spawnProxy. */
const spawnLimited = (args: string[], limit: number) => {
  const { command, args: base } = entryCommand();
  return spawnProxy(args, { entry: { command: "bash", args: ["-c", `ulimit -n ${limit} && exec "$@"`, "bash", command, ...base] } });
};

const health = async (url: string, timeoutMs = 5_000) => {
  const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(timeoutMs) });
  await response.arrayBuffer();
  return response.status;
};

describe("running out of file descriptors (EMFILE)", () => {
  let dir: string;
  let proxy: SpawnedProxy | undefined;
  const sockets: Socket[] = [];
  before(() => {
    dir = authDir();
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    await proxy?.stop("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  test("accept failing for lack of descriptors does not end the process; it serves again once they are released", async () => {
    proxy = await spawnLimited(baseArgs(dir, "60s"), DESCRIPTOR_LIMIT);
    const { url } = proxy;
    let exitCode: number | null | undefined;
    void proxy.exited.then((code) => (exitCode = code));
    // More connections than the process has descriptors: accept fails (EMFILE) for the rest, which wait in the backlog.
    for (let i = 0; i < DESCRIPTOR_LIMIT + 100; i++) {
      const socket = await open(url);
      socket.on("error", () => {});
      sockets.push(socket);
    }
    // Let the accept loop meet the limit.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal(exitCode, undefined, `the proxy exited with ${exitCode} while out of descriptors:\n${proxy.output()}`);
    // The limit was really reached: one more client is not served (refused, reset, or left waiting in the backlog).
    assert.notEqual(await health(url, 3_000).catch(() => 0), 200, "a request was answered while descriptors were used up");
    assert.equal(exitCode, undefined, `the proxy exited with ${exitCode} while out of descriptors:\n${proxy.output()}`);
    for (const socket of sockets.splice(0)) socket.destroy();
    let status = 0;
    for (let attempt = 0; attempt < 20 && status !== 200; attempt++) {
      status = await health(url).catch(() => 0);
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.equal(exitCode, undefined, `the proxy exited with ${exitCode} after the descriptors were released:\n${proxy.output()}`);
    assert.equal(status, 200, `GET /health after the descriptors were released:\n${proxy.output()}`);
  });
});
