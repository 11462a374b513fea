// Credentials through the proxy (issue #6): upstream 401 → one refresh → one retry; proactive refresh of an
// expired token; one refresh for 20 concurrent requests; no refresh without --allow-refresh; no token in logs.
import { describe, test, afterEach } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createHarness, type Harness } from "./support/harness.ts";

type Json = Record<string, any>;
const auth = (path: string): Json => JSON.parse(readFileSync(path, "utf8"));

describe("credentials through the proxy", () => {
  let h: Harness;
  afterEach(() => h?.close());

  test("an upstream 401 with --allow-refresh: one refresh, the same request retried once, auth.json rewritten", async () => {
    h = createHarness({ argv: ["--allow-refresh"] });
    const before = auth(h.authPath);
    h.emulator.invalidateAccessToken(before.tokens.access_token);
    const response = await h.post("/v1/responses", { input: "x" });
    assert.equal(response.status, 200, await response.clone().text());
    assert.equal(h.emulator.tokenCalls.length, 1);
    assert.deepEqual(
      h.emulator.calls.map((c) => c.status),
      [401, 200],
    );
    const after = auth(h.authPath);
    assert.notEqual(after.tokens.access_token, before.tokens.access_token);
    assert.notEqual(after.tokens.refresh_token, before.tokens.refresh_token);
    assert.equal(after.x_fixture_unknown_top_level, before.x_fixture_unknown_top_level);
    assert.equal(typeof after.tokens.id_token, "string");
  });

  test("without --allow-refresh an upstream 401 reaches the client with what to do, and nothing is refreshed", async () => {
    h = createHarness();
    h.emulator.invalidateAccessToken(auth(h.authPath).tokens.access_token);
    const response = await h.post("/v1/responses", { input: "x" });
    assert.equal(response.status, 401);
    const body = await response.json();
    assert.match(body.error.message, /codex login/);
    assert.match(body.error.message, /--allow-refresh/);
    assert.equal(h.emulator.tokenCalls.length, 0);
  });

  test("an expired token is refreshed before the request goes out; 20 concurrent requests cause one refresh", async () => {
    h = createHarness({ argv: ["--allow-refresh", "--metrics"], authFixture: "auth-expired.json" });
    const responses = await Promise.all(Array.from({ length: 20 }, () => h.post("/v1/responses", { input: "x" })));
    assert.deepEqual(
      responses.map((r) => r.status),
      Array(20).fill(200),
    );
    assert.equal(h.emulator.tokenCalls.length, 1);
    assert.match(await (await h.get("/metrics")).text(), /^godex_token_refreshes_total\{result="ok"\} 1$/m);
    assert.ok(
      h.emulator.calls.every((c) => c.status === 200),
      "no request went out with the expired token",
    );
  });

  test("a refresh token that was already used: 401 saying codex login is needed, and no loop", async () => {
    h = createHarness({ argv: ["--allow-refresh"], authFixture: "auth-expired.json" });
    h.emulator.markRefreshToken(auth(h.authPath).tokens.refresh_token, "used");
    const first = await h.post("/v1/responses", { input: "x" });
    assert.equal(first.status, 401);
    assert.match((await first.json()).error.message, /codex login/);
    h.close();
    h = createHarness({ argv: ["--allow-refresh", "--metrics"], authFixture: "auth-expired.json" });
    h.emulator.markRefreshToken(auth(h.authPath).tokens.refresh_token, "used");
    assert.equal((await h.post("/v1/responses", { input: "x" })).status, 401);
    assert.match(await (await h.get("/metrics")).text(), /^godex_token_refreshes_total\{result="failed"\} 1$/m);
    await h.post("/v1/responses", { input: "x" });
    assert.equal(h.emulator.tokenCalls.length, 1, "the terminal failure is not retried");
  });

  test("no token appears in any log line at debug level", async () => {
    h = createHarness({ argv: ["--allow-refresh", "--log-requests"], authFixture: "auth-expired.json" });
    const before = auth(h.authPath);
    assert.equal((await h.post("/v1/responses", { input: "x" })).status, 200);
    const after = auth(h.authPath);
    const logs = h.logs.join("\n");
    assert.match(logs, /level=debug/);
    for (const secret of [
      before.tokens.access_token,
      before.tokens.refresh_token,
      before.tokens.id_token,
      after.tokens.access_token,
      after.tokens.refresh_token,
      "test-proxy-key",
    ]) {
      assert.ok(!logs.includes(secret), `leaked ${String(secret).slice(0, 10)}…`);
    }
  });

  test("--max-streams: a request over the cap gets 429 with Retry-After, and the slot frees when a stream ends", async () => {
    h = createHarness({ argv: ["--max-streams", "1"] });
    h.emulator.enqueue("slow", { delayBetweenEventsMs: 30 });
    const first = await h.post("/v1/responses", { input: "x", stream: true });
    const second = await h.post("/v1/responses", { input: "y" });
    assert.equal(second.status, 429);
    assert.equal(second.headers.get("retry-after"), "1");
    assert.equal((await second.json()).error.code, "proxy_busy");
    await first.text();
    assert.equal((await h.post("/v1/responses", { input: "z" })).status, 200);
  });
});
