// `npm run bench`: direct-to-emulator baseline against the same load through the proxy, in one run, per
// runtime; prints ratios, and the proxy process's CPU time (user + system, from /proc) per non-streaming request
// and per streamed delta. Loopback only; every loop is bounded in count and time.
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, request } from "undici";
import { cpuDuring } from "./_cpu.ts";
import { BACKEND_HEADERS, backendBody } from "./_direct.ts";
import { started, startEmulatorProcess } from "./_process.ts";
import { ensureNode24 } from "../test/support/node24.ts";
import { entryCommand, type RuntimeName } from "../test/support/runtime.ts";
import { spawnWorkerd } from "../test/support/spawn-workerd.ts";

const KEY = "bench-key";
const agent = new Agent({ connections: 64, pipelining: 1, keepAliveTimeout: 30_000 });
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 200);
const RPS_REQUESTS = Number(process.env.BENCH_RPS_REQUESTS ?? 3000);
const CONCURRENCY = 32;
/** The CPU-per-delta batches: this many 200-delta streams, unpaced 8 at a time, and paced 1 ms 32 at a time. */
const STREAM_BATCH = Number(process.env.BENCH_STREAM_BATCH ?? 200);
const RUNTIMES = (process.env.BENCH_RUNTIMES ?? "node,node24,bun,deno,workerd").split(",") as (RuntimeName | "node24" | "workerd")[];

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
};

interface Target {
  url: string;
  headers: Record<string, string>;
  /** `pace`: ms between the emulator's events (0: as fast as it can write). */
  body: (deltas: number, stream: boolean, pace?: number) => string;
}

const direct = (baseUrl: string): Target => ({
  url: `${baseUrl}/responses`,
  headers: BACKEND_HEADERS,
  body: (deltas, _stream, pace = 0) => backendBody(`[[bench:${deltas}:${pace}]]`),
});

const viaProxy = (proxyUrl: string, path = "/v1/responses"): Target => ({
  url: `${proxyUrl}${path}`,
  headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
  body: (deltas, stream, pace = 0) =>
    path === "/v1/responses"
      ? JSON.stringify({ input: `[[bench:${deltas}:${pace}]]`, instructions: "bench", stream, user: "bench" })
      : JSON.stringify({
          messages: [
            { role: "system", content: "bench" },
            { role: "user", content: `[[bench:${deltas}:${pace}]]` },
          ],
          stream,
          user: "bench",
        }),
});

/** One request: time to first body byte and to the end, in ms. */
const once = async (target: Target, deltas: number, stream: boolean, pace = 0) => {
  const t0 = performance.now();
  const response = await request(target.url, { method: "POST", headers: target.headers, body: target.body(deltas, stream, pace), dispatcher: agent });
  let first = 0;
  for await (const chunk of response.body) {
    if (first === 0 && (chunk as Buffer).length > 0) first = performance.now() - t0;
  }
  if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode} from ${target.url}`);
  return { ttfb: first, total: performance.now() - t0 };
};

interface Latency {
  ttfb50: number;
  ttfb99: number;
  total50: number;
}
const summarize = (samples: { ttfb: number; total: number }[]): Latency => ({
  ttfb50: percentile(
    samples.map((s) => s.ttfb),
    50,
  ),
  ttfb99: percentile(
    samples.map((s) => s.ttfb),
    99,
  ),
  total50: percentile(
    samples.map((s) => s.total),
    50,
  ),
});

/**
 * Sequential 200-delta streams, alternating direct and through the target request by request, so both sides of a
 * ratio see the same moment of a shared, noisy machine (measuring one side after the other drifted by ±2 ms).
 */
const paired = async (target: Target, deltas: number): Promise<{ direct: Latency; proxied: Latency }> => {
  for (let i = 0; i < 20; i++) {
    await once(baseline, deltas, true); // warm-up
    await once(target, deltas, true);
  }
  const direct: { ttfb: number; total: number }[] = [];
  const proxied: { ttfb: number; total: number }[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) {
    direct.push(await once(baseline, deltas, true));
    proxied.push(await once(target, deltas, true));
  }
  return { direct: summarize(direct), proxied: summarize(proxied) };
};

/** `count` requests, `concurrency` at a time. */
const load = async (target: Target, count: number, concurrency: number, deltas: number, stream: boolean, pace = 0) => {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < count) await once(target, deltas, stream, pace);
    }),
  );
};

/** Requests per second at c=32 and, when `pid` is given, that process's CPU ms per request over the same run. */
const throughput = async (target: Target, stream: boolean, pid?: number) => {
  for (let i = 0; i < 100; i++) await once(target, 1, stream);
  const t0 = performance.now();
  const cpu = await cpuDuring(pid ?? process.pid, () => load(target, RPS_REQUESTS, CONCURRENCY, 1, stream));
  return { rps: RPS_REQUESTS / ((performance.now() - t0) / 1000), cpuPerRequest: cpu / RPS_REQUESTS };
};

/**
 * CPU µs of `pid` per streamed delta over a batch of 200-delta streams (the stream's own request cost included),
 * twice: as a burst (the emulator writes as fast as it can, so one read on loopback carries many events: the
 * parser and translation per event), and paced 1 ms apart (each delta in its own read, as tokens from the real
 * backend arrive: the per-read path, wake-ups and small writes included).
 */
const cpuPerDelta = async (target: Target, pid: number) => {
  await load(target, 32, 8, 200, true);
  const burst = await cpuDuring(pid, () => load(target, STREAM_BATCH * 2, 8, 200, true));
  await load(target, 32, 32, 200, true, 1);
  const paced = await cpuDuring(pid, () => load(target, STREAM_BATCH, 32, 200, true, 1));
  return { burst: (burst * 1000) / (STREAM_BATCH * 2 * 200), paced: (paced * 1000) / (STREAM_BATCH * 200) };
};

const fmt = (n: number, digits = 2) => n.toFixed(digits);
const added = (ms: number) => `${ms >= 0 ? "+" : "−"}${fmt(Math.abs(ms))} ms`;
const dir = mkdtempSync(join(tmpdir(), "godex-bench-"));
copyFileSync("test/fixtures/codex/auth.json", join(dir, "auth.json"));
// Latency against the emulator on Node (the baseline of every earlier run); throughput against the same emulator
// on Bun, because on Node it tops out near 700 req/s here and would measure itself rather than the proxy.
const emulators = [await startEmulatorProcess("node"), await startEmulatorProcess("bun")];
const [latencyEmulator, loadEmulator] = emulators as [Awaited<ReturnType<typeof startEmulatorProcess>>, Awaited<ReturnType<typeof startEmulatorProcess>>];
const baseline = direct(latencyEmulator.baseUrl);

process.stdout.write(
  `bench: ${SEQUENTIAL} sequential 200-delta streams (paired with direct ones), ${RPS_REQUESTS} short requests at concurrency ${CONCURRENCY}\n`,
);
type Bench = RuntimeName | "node24" | "workerd" | "floor";
const NODE24 = RUNTIMES.includes("node24") ? ensureNode24() : "";
/** A process in front of `upstream`: a runtime entry, the worker bundle on workerd, or the bare pipe (floor). */
const startProxy = async (runtime: Bench, upstream: string) => {
  if (runtime === "workerd") {
    const worker = await spawnWorkerd({
      bindings: {
        GODEX_PROXY_API_KEY: KEY,
        GODEX_PROXY_BASE_URL: upstream,
        GODEX_PROXY_LOG_LEVEL: "warn",
        GODEX_PROXY_AUTH_JSON: readFileSync("test/fixtures/codex/auth.json", "utf8"),
      },
    });
    return { url: worker.url.replace(/\/$/, ""), pid: worker.pid, stop: () => worker.stop() };
  }
  const { command, args } =
    runtime === "floor"
      ? { command: process.execPath, args: ["--import", "tsx", "bench/floor-pipe.ts", upstream] }
      : runtime === "node24"
        ? { command: NODE24, args: ["dist/node.js"] }
        : entryCommand(runtime);
  const flags =
    runtime === "floor"
      ? []
      : ["--listen", "127.0.0.1:0", "--api-key", KEY, "--auth-path", join(dir, "auth.json"), "--base-url", upstream, "--log-level", "warn"];
  const child = spawn(command, [...args, ...flags], { stdio: ["ignore", "pipe", "pipe"] });
  const [, url] = await started(child, /listening on (http:\/\/\S+?)\/?\s/);
  return { url: url as string, pid: child.pid as number, stop: async () => void child.kill("SIGKILL") };
};

/** The floor row sends the backend's own body through the pipe; proxies get client bodies. */
const through = (runtime: Bench, url: string, path?: string): Target => (runtime === "floor" ? direct(url) : viaProxy(url, path));

const rows: string[] = [];
const baselines: string[] = [];
let floorCpu: { request: number; burst: number; paced: number } | undefined;
const versus = (value: number, floor: number | undefined) => (floor === undefined || floor === 0 ? "" : ` (${fmt(value / floor, 1)}×)`);
for (const runtime of ["floor", ...RUNTIMES] as Bench[]) {
  const latency = await startProxy(runtime, latencyEmulator.baseUrl);
  const responses = await paired(through(runtime, latency.url), 200);
  const chat = runtime === "floor" ? undefined : await paired(through(runtime, latency.url, "/v1/chat/completions"), 200);
  await latency.stop();
  const load = await startProxy(runtime, loadEmulator.baseUrl);
  const { rps: baseRps } = await throughput(direct(loadEmulator.baseUrl), true);
  const { rps, cpuPerRequest } = await throughput(through(runtime, load.url), runtime === "floor", load.pid);
  const perDelta = await cpuPerDelta(through(runtime, load.url), load.pid);
  await load.stop();
  if (runtime === "floor") floorCpu = { request: cpuPerRequest, ...perDelta };
  const label =
    runtime === "floor"
      ? "floor: bare node:http pipe, no translation"
      : runtime === "node"
        ? `node ${process.version}`
        : runtime === "node24"
          ? "node 24.21.0"
          : runtime;
  const base = responses.direct;
  baselines.push(`${runtime}: ttfb p50 ${fmt(base.ttfb50)} ms, 200-delta p50 ${fmt(base.total50)} ms, ${fmt(baseRps, 0)} req/s`);
  rows.push(
    `| ${label} | ${added(responses.proxied.ttfb50 - base.ttfb50)} | ${added(responses.proxied.ttfb99 - base.ttfb99)} | ${fmt(responses.proxied.total50 / base.total50)}× | ` +
      (chat ? `${added(chat.proxied.ttfb50 - chat.direct.ttfb50)} | ${fmt(chat.proxied.total50 / chat.direct.total50)}× | ` : "– | – | ") +
      `${fmt(rps, 0)} (${fmt(rps / baseRps)}×) | ` +
      `${fmt(cpuPerRequest)} ms${runtime === "floor" ? "" : versus(cpuPerRequest, floorCpu?.request)} | ${fmt(perDelta.burst, 1)} µs${runtime === "floor" ? "" : versus(perDelta.burst, floorCpu?.burst)} | ` +
      `${fmt(perDelta.paced, 1)} µs${runtime === "floor" ? "" : versus(perDelta.paced, floorCpu?.paced)} |`,
  );
  process.stdout.write(`${rows.at(-1)}\n`);
}

process.stdout.write(`
| runtime | added TTFB p50 (responses) | added TTFB p99 | 200-delta stream total vs direct | added TTFB p50 (chat) | chat stream total vs direct | req/s at c=32, non-stream (vs direct stream) | CPU per non-stream request at c=32 (vs floor) | CPU per delta, 200-delta burst (vs floor) | CPU per delta, paced 1 ms (vs floor) |
|---|---|---|---|---|---|---|---|---|---|
${rows.join("\n")}

Direct to the emulator in the same runs (latency: emulator on Node; req/s: emulator on Bun):
${baselines.map((b) => `- ${b}`).join("\n")}
`);
for (const emulator of emulators) emulator.child.kill("SIGTERM");
rmSync(dir, { recursive: true, force: true });
await agent.close();
