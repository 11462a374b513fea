// `npm run bench` (start-up part, issue #19 item 4): time from spawning the process to the first 200 from GET /health,
// per runtime entry, beside a bare node:http server's (bench/floor-start.mjs). Each entry is started RUNS times in a
// row; the table shows the median and the range. Loopback only; every wait is bounded.
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { started, startEmulatorProcess } from "./_process.ts";
import { ensureNode24 } from "../test/support/node24.ts";
import { entryCommand } from "../test/support/runtime.ts";

const RUNS = Number(process.env.BENCH_STARTS ?? 7);
const RUNTIMES = (process.env.BENCH_RUNTIMES ?? "node,node24,bun,deno").split(",").filter((r) => r !== "workerd");

const dir = mkdtempSync(join(tmpdir(), "godex-bench-start-"));
copyFileSync("test/fixtures/codex/auth.json", join(dir, "auth.json"));
const emulator = await startEmulatorProcess();

const commandOf = (runtime: string): { command: string; args: string[] } => {
  const flags = [
    "--listen",
    "127.0.0.1:0",
    "--api-key",
    "bench-key",
    "--auth-path",
    join(dir, "auth.json"),
    "--base-url",
    emulator.baseUrl,
    "--log-level",
    "warn",
  ];
  if (runtime === "floor") return { command: process.execPath, args: ["bench/floor-start.mjs"] };
  if (runtime === "node24") return { command: ensureNode24(), args: ["dist/node.js", ...flags] };
  const { command, args } = entryCommand(runtime as "node" | "bun" | "deno");
  return { command, args: [...args, ...flags] };
};

/** Milliseconds from spawn to the first 200 from /health. */
const startOnce = async (runtime: string) => {
  const { command, args } = commandOf(runtime);
  const t0 = performance.now();
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  try {
    const [, url] = await started(child, /listening on (http:\/\/\S+?)\/?\s/);
    for (let i = 0; i < 500; i++) {
      const ok = await fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return performance.now() - t0;
      await new Promise((r) => setTimeout(r, 2));
    }
    throw new Error(`${runtime}: /health never answered 200`);
  } finally {
    child.kill("SIGKILL");
    await new Promise((r) => (child.exitCode === null && child.signalCode === null ? child.once("exit", r) : r(undefined)));
  }
};

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const rows: string[] = [];
let floor = 0;
for (const runtime of ["floor", ...RUNTIMES]) {
  await startOnce(runtime); // warms the page cache for this runtime's files
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await startOnce(runtime));
  const m = median(times);
  if (runtime === "floor") floor = m;
  const label =
    runtime === "floor"
      ? "floor: bare node:http server (plain JS, Node 20)"
      : runtime === "node"
        ? `node ${process.version} (dist/node.js)`
        : runtime === "node24"
          ? "node 24.21.0 (dist/node.js)"
          : runtime;
  rows.push(
    `| ${label} | ${m.toFixed(0)} ms | ${Math.min(...times).toFixed(0)}–${Math.max(...times).toFixed(0)} ms | ${runtime === "floor" ? "–" : `${(m / floor).toFixed(1)}×`} |`,
  );
  process.stdout.write(`${rows.at(-1)}\n`);
}

process.stdout.write(`
Start-up: spawn to the first 200 from GET /health, ${RUNS} starts each (after one unmeasured):

| runtime | median | range | vs floor |
|---|---|---|---|
${rows.join("\n")}
`);
emulator.child.kill("SIGTERM");
rmSync(dir, { recursive: true, force: true });
