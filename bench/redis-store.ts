// The Redis store's cost per request against the in-memory store, in one run (issue #10 item 5): the Node entry
// side by side in front of the bench emulator (without and with --store on a local redis-server, turns alternating),
// then the session-store calls alone.
// Run after `npm run build`: `tsx bench/redis-store.ts`. Loopback only; every loop is bounded.
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, request } from "undici";
import { connectRedis } from "../runtimes/io/redis.ts";
import { createLogger } from "../src/log.ts";
import { createSessionCache, type SessionCache } from "../src/session/session-cache.ts";
import { createMemoryStore } from "../src/session/store.ts";
import { startRedisServer } from "../test/support/redis-server.ts";
import { started, startEmulatorProcess } from "./_process.ts";
import { entryCommand } from "../test/support/runtime.ts";

const KEY = "bench-key";
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 500);
const RPS_REQUESTS = Number(process.env.BENCH_RPS_REQUESTS ?? 3000);
const STORE_OPS = Number(process.env.BENCH_STORE_OPS ?? 5000);
const CONCURRENCY = 32;
const SESSIONS = 100;
const INSTRUCTIONS = "You are a careful assistant. ".repeat(200); // ~5.8 kB, a typical agent system prompt
const agent = new Agent({ connections: 64, pipelining: 1, keepAliveTimeout: 30_000 });

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
};

/** One non-streaming turn: the proxy reads the session's instructions and stores the request's (2 store calls). */
let counter = 0;
const once = async (proxyUrl: string) => {
  const body = JSON.stringify({ input: "[[bench:1]]", instructions: INSTRUCTIONS, user: `bench-${counter++ % SESSIONS}`, stream: false });
  const t0 = performance.now();
  const response = await request(`${proxyUrl}/v1/responses`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    body,
    dispatcher: agent,
  });
  await response.body.text();
  if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}`);
  return performance.now() - t0;
};

/** Sequential turns alternate between the two proxies, so load from elsewhere hits both alike. */
const sequential = async (urls: readonly [string, string]) => {
  for (let i = 0; i < 50; i++) for (const url of urls) await once(url); // warm-up
  const latencies: [number[], number[]] = [[], []];
  for (let i = 0; i < SEQUENTIAL; i++) for (const [k, url] of urls.entries()) latencies[k as 0 | 1].push(await once(url));
  return latencies.map((values) => ({ p50: percentile(values, 50), p99: percentile(values, 99) }));
};

/** Throughput in alternating rounds of RPS_REQUESTS / ROUNDS, summed per proxy. */
const ROUNDS = 3;
const throughput = async (urls: readonly [string, string]) => {
  const seconds = [0, 0];
  for (let round = 0; round < ROUNDS; round++) {
    for (const [k, url] of urls.entries()) {
      let next = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next++ < RPS_REQUESTS / ROUNDS) await once(url);
        }),
      );
      seconds[k] = (seconds[k] as number) + (performance.now() - t0) / 1000;
    }
  }
  return seconds.map((s) => RPS_REQUESTS / s);
};

/** The store calls of one turn on their own: get, then set the session's instructions. µs per turn. */
const storeCalls = async (cache: SessionCache) => {
  for (let i = 0; i < 200; i++) await cache.setInstructions(`warm-${i}`, INSTRUCTIONS);
  const t0 = performance.now();
  for (let i = 0; i < STORE_OPS; i++) {
    const session = `bench-${i % SESSIONS}`;
    await cache.getInstructions(session);
    await cache.setInstructions(session, INSTRUCTIONS);
  }
  return ((performance.now() - t0) * 1000) / STORE_OPS;
};

const fmt = (n: number, digits = 2) => n.toFixed(digits);
const signed = (n: number) => `${n < 0 ? "−" : "+"}${fmt(Math.abs(n))}`;
const redis = await startRedisServer();
const dir = mkdtempSync(join(tmpdir(), "godex-bench-redis-"));
copyFileSync("test/fixtures/codex/auth.json", join(dir, "auth.json"));
const { child: emulatorProcess, baseUrl } = await startEmulatorProcess();

const startEntry = async (extra: string[]) => {
  const { command, args } = entryCommand("node");
  const child = spawn(
    command,
    [
      ...args,
      "--listen",
      "127.0.0.1:0",
      "--api-key",
      KEY,
      "--auth-path",
      join(dir, "auth.json"),
      "--base-url",
      baseUrl as string,
      "--log-level",
      "warn",
      ...extra,
    ],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const [, url] = await started(child, /listening on (http:\/\/\S+?)\/?\s/);
  return { child, url: url as string };
};

process.stdout.write(
  `bench: ${SEQUENTIAL} sequential turns each, ${RPS_REQUESTS} at concurrency ${CONCURRENCY}, ${SESSIONS} sessions, ${INSTRUCTIONS.length} B instructions; node entry\n`,
);
const proxies = [await startEntry([]), await startEntry(["--store", redis.url(0)])];
const urls = [proxies[0]!.url, proxies[1]!.url] as const;
const [memory, viaRedis] = (await sequential(urls)) as [{ p50: number; p99: number }, { p50: number; p99: number }];
const [memoryRps, redisRps] = (await throughput(urls)) as [number, number];
for (const { child } of proxies) child.kill("SIGKILL");

const logger = createLogger({ level: "error", write: () => undefined });
const memoryCalls = await storeCalls(createSessionCache({ store: createMemoryStore({ maxEntries: 10_000, now: Date.now }), ttlMs: 3_600_000 }));
const shared = await connectRedis({ url: redis.url(1), ttlMs: 3_600_000, logger, now: Date.now });
const redisCalls = await storeCalls(createSessionCache({ store: shared.store, ttlMs: 3_600_000 }));
await shared.close();

process.stdout.write(`
| store (node entry) | turn p50 | turn p99 | req/s at c=${CONCURRENCY} | store calls per turn (get + set instructions) |
|---|---|---|---|---|
| in memory | ${fmt(memory.p50)} ms | ${fmt(memory.p99)} ms | ${fmt(memoryRps, 0)} | ${fmt(memoryCalls, 1)} µs |
| Redis (--store, loopback) | ${fmt(viaRedis.p50)} ms (${signed(viaRedis.p50 - memory.p50)} ms) | ${fmt(viaRedis.p99)} ms | ${fmt(redisRps, 0)} | ${fmt(redisCalls, 1)} µs (${signed((redisCalls - memoryCalls) / 1000)} ms) |
| Redis / in memory | ${fmt(viaRedis.p50 / memory.p50)}× | ${fmt(viaRedis.p99 / memory.p99)}× | ${fmt(redisRps / memoryRps)}× | ${fmt(redisCalls / memoryCalls, 1)}× |
`);
emulatorProcess.kill("SIGTERM");
await redis.kill();
rmSync(dir, { recursive: true, force: true });
await agent.close();
