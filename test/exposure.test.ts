// What a web page can make a browser send to the proxy (issue 18 item 1, red team D3 and #75–#77), over a real
// socket on every entry: CORS-simple text/plain POSTs, foreign Origins, DNS-rebound Host names, and CORS for the
// origins --cors-origins lists. node:http, because fetch cannot set Host.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEmulator, type Emulator } from "./emulator/index.ts";
import { serveEmulator, type ServedEmulator } from "./support/serve-emulator.ts";
import { runProxyOnce, spawnProxy, type SpawnedProxy } from "./support/spawn-proxy.ts";
import { RUNTIME } from "./support/runtime.ts";

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: any;
}

/** One request with exactly these headers (Host included), to 127.0.0.1 on the proxy's port. */
const raw = (url: string, method: string, path: string, headers: Record<string, string>, body?: string) =>
  new Promise<Answer>((resolve, reject) => {
    const port = Number(new URL(url).port);
    const req = httpRequest(
      { host: "127.0.0.1", port, method, path, headers: { ...(body === undefined ? {} : { "content-length": String(Buffer.byteLength(body)) }), ...headers } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, json: text === "" ? null : JSON.parse(text) }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });

const RESPONSES = JSON.stringify({ input: "hi", instructions: "page text", stream: false });
const CHAT = JSON.stringify({
  messages: [
    { role: "developer", content: "page text" },
    { role: "user", content: "hi" },
  ],
});
const MESSAGES = JSON.stringify({ model: "claude-sonnet-4-5", max_tokens: 10, messages: [{ role: "user", content: "hi" }] });
const BODIES: [string, string][] = [
  ["/v1/responses", RESPONSES],
  ["/v1/chat/completions", CHAT],
  ["/v1/messages", MESSAGES],
  ["/v1/messages/count_tokens", MESSAGES],
];
const corsHeaderNames = (answer: Answer) => Object.keys(answer.headers).filter((name) => name.startsWith("access-control-"));

describe(`browser pages and rebound hosts over a socket on ${RUNTIME}`, () => {
  let dir: string;
  let emulator: Emulator;
  let served: ServedEmulator;
  const proxies: SpawnedProxy[] = [];
  const start = async (args: string[]) => {
    const proxy = await spawnProxy(["--auth-path", join(dir, "auth.json"), "--base-url", served.baseUrl, ...args]);
    proxies.push(proxy);
    return proxy.url;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "godex-exposure-"));
    copyFileSync("test/fixtures/codex/auth.json", join(dir, "auth.json"));
    emulator = createEmulator();
    served = await serveEmulator(emulator);
  });
  after(async () => {
    for (const proxy of proxies) await proxy.stop("SIGKILL");
    await served?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("--allow-any-key on loopback: a page's no-cors POST (text/plain, foreign Origin) is refused with 403 on every body route, nothing reaches the backend", async () => {
    const url = await start(["--allow-any-key"]);
    const port = new URL(url).port;
    const calls = emulator.calls.length;
    for (const [path, body] of BODIES) {
      const page = { host: `127.0.0.1:${port}`, origin: "https://evil.example", "content-type": "text/plain;charset=UTF-8", "sec-fetch-site": "cross-site" };
      const answer = await raw(url, "POST", path, page, body);
      assert.equal(answer.status, 403, `${path}: ${JSON.stringify(answer.json)}`);
      if (path.startsWith("/v1/messages")) {
        assert.equal(answer.json.type, "error");
        assert.equal(answer.json.error.type, "permission_error");
      } else {
        assert.equal(answer.json.error.code, "origin_not_allowed");
      }
      assert.match(JSON.stringify(answer.json), /--cors-origins/);
      assert.deepEqual(corsHeaderNames(answer), []);
      // The same body as text/plain without an Origin (a Blob body, a local tool) is a 415 in the dialect's shape.
      const plain = await raw(url, "POST", path, { host: `localhost:${port}`, "content-type": "text/plain" }, body);
      assert.equal(plain.status, 415, `${path} text/plain: ${JSON.stringify(plain.json)}`);
      assert.match(path.startsWith("/v1/messages") ? plain.json.error.message : plain.json.error.message, /application\/json/);
      if (path.startsWith("/v1/messages")) assert.equal(plain.json.type, "error");
      else assert.equal(plain.json.error.code, "unsupported_media_type");
    }
    // A no-cors GET (an <img>) sends no Origin but Sec-Fetch-Site.
    const image = await raw(url, "GET", "/v1/usage", { host: `127.0.0.1:${port}`, "sec-fetch-site": "cross-site" });
    assert.equal(image.status, 403);
    assert.equal(emulator.calls.length, calls, "no request reached the backend");
    // Local clients still work: JSON, no Origin, on every loopback name.
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST.:${port}`, `[::1]:${port}`, `codex.localhost:${port}`]) {
      const ok = await raw(url, "POST", "/v1/responses", { host, "content-type": "application/json; charset=utf-8" }, RESPONSES);
      assert.equal(ok.status, 200, `${host}: ${JSON.stringify(ok.json)}`);
    }
  });

  test("DNS rebinding: a Host that is not a loopback name or the --listen host gets 403 on every route, with or without the key; --allowed-hosts lets a name in", async () => {
    const url = await start(["--api-key", "exposure-key", "--allowed-hosts", "proxy.lan, Other.Example"]);
    const port = new URL(url).port;
    const key = { authorization: "Bearer exposure-key" };
    for (const [method, path] of [
      ["GET", "/health"],
      ["GET", "/v1/usage"],
      ["GET", "/v1/models"],
      ["GET", "/"],
      ["POST", "/v1/responses"],
      ["POST", "/v1/messages"],
    ] as const) {
      const body = method === "POST" ? (path === "/v1/messages" ? MESSAGES : RESPONSES) : undefined;
      const type: Record<string, string> = method === "POST" ? { "content-type": "application/json" } : {};
      for (const headers of [{}, key]) {
        const answer = await raw(url, method, path, { host: `evil.example:${port}`, ...type, ...headers }, body);
        assert.equal(answer.status, 403, `${method} ${path}: ${answer.status} ${JSON.stringify(answer.json)}`);
        const message = path === "/v1/messages" ? answer.json.error.message : answer.json.error.message;
        assert.match(message, /--allowed-hosts evil\.example/);
        if (path === "/v1/messages") assert.equal(answer.json.error.type, "permission_error");
        else assert.equal(answer.json.error.code, "host_not_allowed");
      }
      for (const host of [`proxy.lan:${port}`, "other.example", `127.0.0.1:${port}`]) {
        const answer = await raw(url, method, path, { host, ...type, ...key }, body);
        assert.equal(answer.status, 200, `${host} ${method} ${path}: ${answer.status} ${JSON.stringify(answer.json)}`);
      }
    }
  });

  test("a non-loopback --listen: any Host passes with the key, a name without it is refused; IP addresses pass", async () => {
    const url = await start(["--api-key", "exposure-key", "--listen", "0.0.0.0:0"]);
    const port = new URL(url).port;
    const rebound = await raw(url, "GET", "/v1/models", { host: `proxy.example.com:${port}`, authorization: "Bearer exposure-key" });
    assert.equal(rebound.status, 200, JSON.stringify(rebound.json));
    const noKey = await raw(url, "GET", "/health", { host: `proxy.example.com:${port}` });
    assert.equal(noKey.status, 403, JSON.stringify(noKey.json));
    const probe = await raw(url, "GET", "/health", { host: `10.1.2.3:${port}` });
    assert.equal(probe.status, 200, "a health check on the machine's address passes");
  });

  test("--cors-origins: an allowed origin's preflight gets 204 with the asked headers and its answers carry Access-Control-Allow-Origin; others get 403 and no CORS header", async () => {
    const url = await start(["--api-key", "exposure-key", "--cors-origins", "https://app.example,http://localhost:5173"]);
    const port = new URL(url).port;
    const host = `127.0.0.1:${port}`;
    const preflight = await raw(url, "OPTIONS", "/v1/chat/completions", {
      host,
      origin: "https://app.example",
      "access-control-request-method": "POST",
      "access-control-request-headers": "authorization, content-type, x-stainless-os",
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers["access-control-allow-origin"], "https://app.example");
    assert.equal(preflight.headers["access-control-allow-headers"], "authorization, content-type, x-stainless-os");
    assert.match(String(preflight.headers["access-control-allow-methods"]), /POST/);
    assert.equal(preflight.headers["access-control-allow-credentials"], undefined, "never credentials");
    assert.match(String(preflight.headers.vary), /Origin/);
    const call = await raw(
      url,
      "POST",
      "/v1/chat/completions",
      { host, origin: "https://app.example", authorization: "Bearer exposure-key", "content-type": "application/json" },
      CHAT,
    );
    assert.equal(call.status, 200);
    assert.equal(call.headers["access-control-allow-origin"], "https://app.example");
    const unauthorized = await raw(url, "GET", "/v1/models", { host, origin: "http://localhost:5173" });
    assert.equal(unauthorized.status, 401, "an allowed origin still needs the key");
    assert.equal(unauthorized.headers["access-control-allow-origin"], "http://localhost:5173", "and can read why");

    const foreign = await raw(url, "OPTIONS", "/v1/chat/completions", { host, origin: "https://evil.example", "access-control-request-method": "POST" });
    assert.equal(foreign.status, 403);
    assert.deepEqual(corsHeaderNames(foreign), []);
    const keyed = await raw(url, "GET", "/v1/models", { host, origin: "app://desktop", authorization: "Bearer exposure-key" });
    assert.equal(keyed.status, 200, "a client holding the key may send any Origin");
    assert.deepEqual(corsHeaderNames(keyed), []);
  });

  test("no CORS header on any answer by default (held: red team #77)", async () => {
    const url = await start(["--api-key", "exposure-key"]);
    const port = new URL(url).port;
    for (const [method, path] of [
      ["GET", "/health"],
      ["OPTIONS", "/v1/responses"],
      ["GET", "/v1/models"],
    ] as const) {
      const answer = await raw(url, method, path, { host: `127.0.0.1:${port}`, authorization: "Bearer exposure-key" });
      assert.deepEqual(corsHeaderNames(answer), [], `${method} ${path}`);
    }
  });

  test("--cors-origins '*' with --allow-any-key and a malformed origin are refused at start", async () => {
    const star = await runProxyOnce(["--allow-any-key", "--cors-origins", "*"]);
    assert.equal(star.code, 2);
    assert.match(star.stderr, /--cors-origins: \* with --allow-any-key/);
    const bad = await runProxyOnce(["--allow-any-key", "--cors-origins", "https://app.example/path"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--cors-origins: expected a comma list of origins/);
    const env = await runProxyOnce(["--allow-any-key"], { env: { GODEX_PROXY_ALLOWED_HOSTS: "bad host" } });
    assert.equal(env.code, 2);
    assert.match(env.stderr, /GODEX_PROXY_ALLOWED_HOSTS \(for --allowed-hosts\)/);
  });
});
