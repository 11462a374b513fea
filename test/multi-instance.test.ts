// Three real proxies, one each on Node, Bun and Deno, on one real redis-server (issue #10 item 4): a conversation
// round-robin across them, 20 concurrent 401s costing one token request, and Redis killed under them.
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createEmulator, type Emulator } from "./emulator/index.ts";
import { startRedisServer, type RedisServer } from "./support/redis-server.ts";
import { RUNTIME, type RuntimeName } from "./support/runtime.ts";
import { serveEmulator, type ServedEmulator } from "./support/serve-emulator.ts";
import { spawnProxy, type SpawnedProxy } from "./support/spawn-proxy.ts";

type Json = Record<string, any>;
const API_KEY = "multi-instance-key";
const RUNTIMES: RuntimeName[] = ["node", "bun", "deno"];
const STORE_KEY = "multi-instance-store-key-0123456789abcdefghij";
/** Each runtime's suite would start the same nine processes: once is enough, and Node runs first. */
const skip = RUNTIME === "node" ? false : "runs once, under node";
const TOOLS = [{ type: "function", name: "lookup", parameters: { type: "object", properties: { q: { type: "string" } } } }];

interface Cluster {
  redis: RedisServer;
  emulator: Emulator;
  served: ServedEmulator;
  proxies: SpawnedProxy[];
  dir: string;
  authPaths: string[];
}

/** One proxy per runtime on `redis`, all on one auth.json, or each on its own copy with --share-credentials. */
const startCluster = async (options: { shareCredentials: boolean }): Promise<Cluster> => {
  const redis = await startRedisServer();
  const emulator = createEmulator();
  const served = await serveEmulator(emulator);
  const dir = mkdtempSync(join(tmpdir(), "godex-multi-"));
  const authPaths = RUNTIMES.map((runtime) => join(dir, options.shareCredentials ? `auth-${runtime}.json` : "auth.json"));
  for (const path of new Set(authPaths)) copyFileSync("test/fixtures/codex/auth.json", path);
  const proxies = await Promise.all(
    RUNTIMES.map((runtime, i) =>
      spawnProxy(
        [
          "--base-url",
          served.baseUrl,
          "--token-url",
          served.tokenUrl,
          "--auth-path",
          authPaths[i] as string,
          "--allow-refresh",
          "--store",
          redis.url(0),
          ...(options.shareCredentials ? ["--share-credentials"] : []),
        ],
        { runtime, env: { GODEX_PROXY_API_KEY: API_KEY, GODEX_PROXY_STORE_KEY: STORE_KEY }, timeoutMs: 30_000 },
      ),
    ),
  );
  return { redis, emulator, served, proxies, dir, authPaths };
};

const stopCluster = async (cluster: Cluster | undefined) => {
  if (cluster === undefined) return;
  await Promise.all(cluster.proxies.map((proxy) => proxy.stop("SIGKILL")));
  await cluster.served.close();
  await cluster.redis.kill();
  rmSync(cluster.dir, { recursive: true, force: true });
};

const post = (proxy: SpawnedProxy, body: Json, session: string) =>
  fetch(`${proxy.url}/v1/responses`, {
    method: "POST",
    headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json", "x-openclaw-session-key": session },
    body: JSON.stringify(body),
  });
const okJson = async (response: Response): Promise<Json> => {
  const text = await response.text();
  assert.equal(response.status, 200, text);
  return JSON.parse(text) as Json;
};
const callOf = (response: Json): Json => {
  const call = (response.output as Json[]).find((item) => item.type === "function_call");
  assert.ok(call, `no function_call in ${JSON.stringify(response.output)}`);
  return call;
};
const accessTokenIn = (path: string): string => (JSON.parse(readFileSync(path, "utf8")) as Json).tokens.access_token;

/** 20 requests at once, round-robin over the proxies, right after the backend stopped accepting the token. */
const twentyConcurrent401s = async (cluster: Cluster) => {
  const before = accessTokenIn(cluster.authPaths[0] as string);
  const tokenCallsBefore = cluster.emulator.tokenCalls.length;
  cluster.emulator.invalidateAccessToken(before);
  const responses = await Promise.all(
    Array.from({ length: 20 }, (_, i) => post(cluster.proxies[i % 3] as SpawnedProxy, { instructions: "Be brief.", input: `request ${i}` }, `burst-${i}`)),
  );
  for (const response of responses) await okJson(response);
  assert.equal(cluster.emulator.tokenCalls.length - tokenCallsBefore, 1, "exactly one token request for all three instances");
  assert.ok(
    cluster.emulator.calls.some((call) => call.status === 401),
    "the backend rejected the old token",
  );
  return { before, after: cluster.authPaths.map(accessTokenIn) };
};

describe("three instances (node, bun, deno) sharing one auth.json and one Redis", () => {
  let cluster: Cluster | undefined;
  before(async () => {
    if (skip) return;
    cluster = await startCluster({ shareCredentials: false });
  });
  after(() => stopCluster(cluster));

  test("a conversation whose turns go round-robin keeps instruction reuse and call reconstruction", { skip }, async () => {
    const { emulator, proxies } = cluster as Cluster;
    const [node, bun, deno] = proxies as [SpawnedProxy, SpawnedProxy, SpawnedProxy];
    const session = "round-robin-conversation";
    emulator.enqueue("tool-call", { toolName: "lookup", toolArguments: '{"q":"one"}' });
    const first = callOf(await okJson(await post(node, { instructions: "Research bot.", input: "start", tools: TOOLS }, session)));
    // Each later turn sends only the output: the instance must find the call another runtime remembered.
    let previous = first;
    const turns: [SpawnedProxy, string][] = [
      [bun, "two"],
      [deno, "three"],
    ];
    for (const [proxy, q] of turns) {
      emulator.enqueue("tool-call", { toolName: "lookup", toolArguments: JSON.stringify({ q }) });
      const reply = await okJson(
        await post(proxy, { input: [{ type: "function_call_output", call_id: previous.call_id, output: `result ${q}` }], tools: TOOLS }, session),
      );
      const sent = emulator.calls.at(-1)?.body as Json;
      assert.deepEqual(sent.input[0], { type: "function_call", call_id: previous.call_id, name: "lookup", arguments: previous.arguments });
      assert.equal(sent.instructions, "Research bot.", `instructions reused on ${proxy.url}`);
      previous = callOf(reply);
    }
    const last = await okJson(
      await post(node, { input: [{ type: "function_call_output", call_id: previous.call_id, output: "done" }], tools: TOOLS }, session),
    );
    const sent = emulator.calls.at(-1)?.body as Json;
    assert.equal(sent.input[0].call_id, previous.call_id);
    assert.equal(sent.instructions, "Research bot.");
    assert.equal(last.output_text, "tool said: done");
  });

  test("20 concurrent 401s spread over the three instances cause exactly one token request", { skip }, async () => {
    const { before, after } = await twentyConcurrent401s(cluster as Cluster);
    assert.notEqual(after[0], before, "the refreshed token is in the shared auth.json");
  });

  test("whichever runtime meets the 401 refreshes, and the other two adopt its token without a token request", { skip }, async () => {
    const { emulator, proxies, authPaths } = cluster as Cluster;
    for (const [i, proxy] of proxies.entries()) {
      const tokenCalls = emulator.tokenCalls.length;
      emulator.invalidateAccessToken(accessTokenIn(authPaths[0] as string));
      await okJson(await post(proxy, { instructions: "Be brief.", input: "only me" }, `solo-${i}`));
      assert.equal(emulator.tokenCalls.length, tokenCalls + 1, `${RUNTIMES[i]} refreshed`);
      for (const other of proxies) await okJson(await post(other, { instructions: "Be brief.", input: "and us" }, `solo-${i}`));
      assert.equal(emulator.tokenCalls.length, tokenCalls + 1, `the others adopted ${RUNTIMES[i]}'s token`);
    }
  });

  test("Redis killed mid-test: the proxies keep serving; a turn that needed the cache gets the cache-miss error", { skip }, async () => {
    const { redis, proxies } = cluster as Cluster;
    await redis.kill();
    for (const proxy of proxies) {
      await okJson(await post(proxy, { instructions: "Still here.", input: "hello" }, "after-redis"));
      const orphan = await post(proxy, { input: [{ type: "function_call_output", call_id: "call_remembered_by_redis", output: "x" }] }, "after-redis");
      assert.equal(orphan.status, 400);
      const body = (await orphan.json()) as Json;
      assert.equal(body.error.code, "tool_call_not_found");
      assert.match(body.error.message, /call_remembered_by_redis/);
      assert.equal((await fetch(`${proxy.url}/health`)).status, 200);
    }
    for (const proxy of proxies) {
      const warnings = proxy.output().match(/Redis unavailable/g) ?? [];
      assert.equal(warnings.length, 1, `one warning per minute, not one per request:\n${proxy.output()}`);
    }
  });

  test("SIGTERM still exits 0 with Redis gone", { skip }, async () => {
    const { proxies } = cluster as Cluster;
    const codes = await Promise.all(proxies.map((proxy) => proxy.stop("SIGTERM")));
    assert.deepEqual(codes, [0, 0, 0]);
  });
});

describe("three instances on separate auth.json files with --share-credentials", () => {
  let cluster: Cluster | undefined;
  before(async () => {
    if (skip) return;
    cluster = await startCluster({ shareCredentials: true });
  });
  after(() => stopCluster(cluster));

  test("20 concurrent 401s cause exactly one token request, and every instance's file gets the new tokens", { skip }, async () => {
    const { before, after } = await twentyConcurrent401s(cluster as Cluster);
    for (const token of after) assert.equal(token, after[0]);
    assert.notEqual(after[0], before);
  });
});
