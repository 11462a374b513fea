// `npm run bench` (memory part, issue #8 item 6): RSS of the proxy process with 1000 streams held open, and
// after 5000 sequential requests, per runtime. Loopback only; counts and waits are bounded.
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, request } from "undici";
import { started, startEmulatorProcess } from "./_process.ts";
import { entryCommand, type RuntimeName } from "../test/support/runtime.ts";

const KEY = "bench-key";
const STREAMS = Number(process.env.BENCH_STREAMS ?? 1000);
const SEQUENTIAL = Number(process.env.BENCH_MEMORY_REQUESTS ?? 5000);
const RUNTIMES = (process.env.BENCH_RUNTIMES ?? "node,bun,deno").split(",") as RuntimeName[];
const agent = new Agent({ connections: STREAMS + 50, pipelining: 1, keepAliveTimeout: 30_000 });


/** Resident set size of a process in MB, from /proc (Linux). */
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? NaN) / 1024;
const settle = async (pid: number) => {
  await new Promise((r) => setTimeout(r, 1500));
  return rssMb(pid);
};

const post = (url: string, body: unknown, signal?: AbortSignal) =>
  request(`${url}/v1/responses`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    body: JSON.stringify(body),
    dispatcher: agent,
    signal,
  });

const dir = mkdtempSync(join(tmpdir(), "godex-bench-mem-"));
copyFileSync("test/fixtures/codex/auth.json", join(dir, "auth.json"));
const { child: emulatorProcess, baseUrl } = await startEmulatorProcess();

const rows: string[] = [];
for (const runtime of RUNTIMES) {
  const { command, args } = entryCommand(runtime);
  const child = spawn(command, [...args, "--listen", "127.0.0.1:0", "--api-key", KEY, "--auth-path", join(dir, "auth.json"), "--base-url", baseUrl as string, "--log-level", "error"], { stdio: ["ignore", "pipe", "pipe"] });
  const [, url] = await started(child, /listening on (http:\/\/\S+?)\/?\s/);
  const pid = child.pid as number;
  for (let i = 0; i < 200; i++) await (await post(url as string, { input: "[[bench:20]]", stream: true, user: `w${i % 10}` })).body.text();
  const warm = await settle(pid);

  for (let i = 0; i < SEQUENTIAL; i++) await (await post(url as string, { input: "[[bench:20]]", user: `q${i % 50}` })).body.text();
  const afterRequests = await settle(pid);

  // 1000 streams held open: each gets its first events, then the emulator goes silent until the client leaves.
  const controllers = Array.from({ length: STREAMS }, () => new AbortController());
  const open = await Promise.all(
    controllers.map(async (controller, i) => {
      const response = await post(url as string, { input: '[[emu:hang {"afterEvents":3}]]', stream: true, user: `s${i}` }, controller.signal);
      const iterator = response.body[Symbol.asyncIterator]();
      await iterator.next();
      return iterator;
    }),
  );
  const during = await settle(pid);
  controllers.forEach((c) => c.abort());
  await Promise.all(open.map((it) => it.return?.().catch(() => undefined)));
  const afterStreams = await settle(pid);
  child.kill("SIGKILL");
  const mb = (n: number) => `${n.toFixed(1)} MB`;
  const signed = (n: number) => `${n >= 0 ? "+" : ""}${n.toFixed(1)}`;
  rows.push(`| ${runtime} | ${mb(warm)} | ${mb(afterRequests)} (${signed(afterRequests - warm)}) | ${mb(during)} (${signed(during - afterRequests)}) | ${mb(afterStreams)} |`);
  process.stdout.write(`${rows.at(-1)}\n`);
}

process.stdout.write(`
| runtime | RSS after warm-up | after ${SEQUENTIAL} sequential requests (vs warm-up) | with ${STREAMS} streams open (growth) | after they close |
|---|---|---|---|---|
${rows.join("\n")}
`);
emulatorProcess.kill("SIGTERM");
rmSync(dir, { recursive: true, force: true });
await agent.close();
