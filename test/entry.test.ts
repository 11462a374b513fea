// The real runtime entry over a socket (issue #3 items 3, 9): health, models, client auth, flags, clean exit.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, copyFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { connect } from "node:net";
import { join } from "node:path";
import { runProxyOnce, spawnProxy, type SpawnedProxy } from "./support/spawn-proxy.ts";
import { RUNTIME } from "./support/runtime.ts";

describe(`runtime entry on ${RUNTIME}`, () => {
  let dir: string;
  let proxy: SpawnedProxy;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "godex-entry-"));
    copyFileSync("test/fixtures/codex/auth.json", join(dir, "auth.json"));
    proxy = await spawnProxy(["--auth-path", join(dir, "auth.json")], { env: { GODEX_PROXY_API_KEY: "entry-key" } });
  });
  after(async () => {
    await proxy?.stop("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  test("GET /health answers without a key and reports credentials without secrets", async () => {
    const response = await fetch(`${proxy.url}/health`);
    assert.equal(response.status, 200);
    const body = await response.json();
    assert.equal(body.status, "ok");
    assert.equal(body.credentials.loaded, true);
    assert.equal(body.credentials.account_id_present, true);
    assert.equal(body.credentials.access_token_expires_at, "2100-01-01T00:00:00.000Z");
    assert.doesNotMatch(JSON.stringify(body), /eyJ|refresh-token/);
  });

  test("an HTTP/1.0 GET /health without Host (a health checker's) answers 200, never a developer error page (D13)", async () => {
    const { hostname, port } = new URL(proxy.url);
    const raw = await new Promise<string>((resolve, reject) => {
      let text = "";
      const socket = connect({ host: hostname, port: Number(port) }, () => socket.write("GET /health HTTP/1.0\r\n\r\n"));
      socket.on("data", (chunk) => (text += chunk.toString()));
      socket.on("end", () => resolve(text));
      socket.on("error", reject);
      setTimeout(() => socket.destroy(), 5_000).unref?.();
    });
    assert.match(raw, /^HTTP\/1\.[01] 200 /, raw.slice(0, 300));
    assert.match(raw, /"status":"ok"/);
    assert.doesNotMatch(raw, /<html|node_modules|\.ts:\d+/i);
  });

  test("GET /v1/models lists the configured model first in the OpenAI list shape", async () => {
    const response = await fetch(`${proxy.url}/v1/models`, { headers: { authorization: "Bearer entry-key" } });
    assert.equal(response.status, 200);
    const body = await response.json();
    assert.equal(body.object, "list");
    assert.equal(body.data[0].id, "gpt-5.2-codex");
    for (const model of body.data) {
      assert.deepEqual(Object.keys(model).sort(), ["created", "id", "object", "owned_by"]);
      assert.equal(model.object, "model");
    }
  });

  test("a wrong or missing key gets an OpenAI-shaped 401", async () => {
    for (const headers of [{}, { authorization: "Bearer nope" }, { authorization: "Basic abc" }] as Record<string, string>[]) {
      const response = await fetch(`${proxy.url}/v1/models`, { headers });
      assert.equal(response.status, 401);
      const body = await response.json();
      assert.deepEqual(Object.keys(body.error).sort(), ["code", "message", "param", "type"]);
    }
  });

  test("unknown paths are 404 and wrong methods 405, both OpenAI-shaped", async () => {
    const missing = await fetch(`${proxy.url}/v1/nothing`, { headers: { authorization: "Bearer entry-key" } });
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).error.code, "not_found");
    const wrong = await fetch(`${proxy.url}/v1/responses`, { headers: { authorization: "Bearer entry-key" } });
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get("allow"), "POST");
    assert.equal((await wrong.json()).error.code, "method_not_allowed");
  });

  test("a bad --cache-ttl exits 2 with a message naming the flag", async () => {
    const result = await runProxyOnce(["--api-key", "k", "--cache-ttl", "six"]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--cache-ttl: expected a duration like 90s, 30m, 6h or 1d \(got "six"\)/);
  });

  test("a missing --api-key exits 2; --version prints the version", async () => {
    const missing = await runProxyOnce([]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--api-key: required/);
    const version = await runProxyOnce(["--version"]);
    assert.equal(version.code, 0);
    assert.match(version.stdout.trim(), /^\d+\.\d+\.\d+$/);
  });

  test("SIGTERM shuts down cleanly with exit 0", async () => {
    const other = await spawnProxy(["--api-key", "k", "--auth-path", join(dir, "auth.json")]);
    assert.equal((await fetch(`${other.url}/health`)).status, 200);
    assert.equal(await other.stop("SIGTERM"), 0);
  });

  test("a missing auth.json does not stop the server: /health says so and proxied calls get a clear 401", async () => {
    const other = await spawnProxy(["--api-key", "k", "--auth-path", join(dir, "absent.json")]);
    try {
      const health = await (await fetch(`${other.url}/health`)).json();
      assert.equal(health.credentials.loaded, false);
      assert.match(health.credentials.error, /absent\.json/);
      const response = await fetch(`${other.url}/v1/responses`, {
        method: "POST",
        headers: { authorization: "Bearer k", "content-type": "application/json" },
        body: JSON.stringify({ input: "hi" }),
      });
      assert.equal(response.status, 401);
      const body = await response.json();
      assert.match(body.error.message, /absent\.json/);
      assert.match(body.error.message, /codex login/);
    } finally {
      await other.stop("SIGKILL");
    }
  });
});
