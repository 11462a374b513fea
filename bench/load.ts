// `npm run bench` (load and fault part, issue #18 item 7): per runtime, the proxy entry in its own process in front of
// the bench emulator, through four phases: concurrent streams with slow readers, idle connections held open, a burst
// of malformed requests, upstream resets mid-body. A probe (GET /health and one short POST) runs through every phase,
// so "the server keeps serving" is counted, not assumed. Prints requests served, errors by kind, RSS before and
// after (/proc/PID/status), and the proxy's TCP connections to the emulator after each phase (/proc/PID/fd +
// /proc/PID/net/tcp; must be 0). Loopback only; every count, wait and phase is bounded.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { setMaxListeners } from "node:events";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, request } from "undici";
import { started, startEmulatorProcess } from "./_process.ts";
import { entryCommand, type RuntimeName } from "../test/support/runtime.ts";

const KEY = "bench-key";
const RUNTIMES = (process.env.BENCH_RUNTIMES ?? "node,bun,deno").split(",") as RuntimeName[];
const STREAMS = Number(process.env.BENCH_LOAD_STREAMS ?? 1000);
const IDLE = Number(process.env.BENCH_LOAD_IDLE ?? 2000);
const RESETS = Number(process.env.BENCH_LOAD_RESETS ?? 200);
/** Each stream: this many deltas, the emulator pacing them 1 ms apart; the reader pauses SLOW_MS after every chunk. */
const DELTAS = 100;
const SLOW_MS = 20;
const HOLD_MS = 8_000;
/** No phase waits longer than this for its requests; what is still open then counts as a timeout. */
const PHASE_MS = 90_000;
/** One deadline shared by a phase's requests (each adds an abort listener). */
const phaseDeadline = () => {
  const signal = AbortSignal.timeout(PHASE_MS);
  setMaxListeners(0, signal);
  return signal;
};
/** The soft descriptor limit asked for the proxy (2000 idle connections need more than a CI default of 1024). */
const FD_WANTED = 8192;
/** Body limit of the proxy under test, so an oversized body costs 2 MiB, not 33. */
const BODY_LIMIT = "1mb";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tally = (map: Map<string, number>, key: string, n = 1) => map.set(key, (map.get(key) ?? 0) + n);
const listTally = (map: Map<string, number>) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => (n === 0 ? k : `${k} ×${n}`))
    .join(", ") || "none";
/** An error's most specific name: undici and node:net put it in `code` (ECONNRESET, UND_ERR_SOCKET), aborts in `name`. */
const errorKind = (error: unknown) => {
  const e = error as { code?: unknown; name?: string; cause?: { code?: unknown } };
  if (e.name === "TimeoutError" || e.name === "AbortError") return e.name; // a DOMException's numeric code says less
  return String(e.cause?.code ?? e.code ?? e.name ?? error);
};

// ---- /proc readings (Linux) ----

/** Resident set size of a process in MB, as bench/memory.ts reads it. */
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? Number.NaN) / 1024;
const fdLimit = (pid: number) => /Max open files\s+(\d+|unlimited)/.exec(readFileSync(`/proc/${pid}/limits`, "utf8"))?.[1] ?? "?";
const TCP_STATES: Record<string, string> = {
  "01": "ESTABLISHED",
  "02": "SYN_SENT",
  "04": "FIN_WAIT1",
  "05": "FIN_WAIT2",
  "08": "CLOSE_WAIT",
  "09": "LAST_ACK",
};

/**
 * The process's own TCP sockets (those it holds a descriptor for), by state, whose local or remote port is `port`:
 * the socket inodes under /proc/PID/fd matched against /proc/PID/net/tcp{,6}. TIME_WAIT entries have no owner and
 * are not counted.
 */
const tcpSockets = (pid: number, port: number, side: "local" | "remote") => {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
      if (inode) inodes.add(inode);
    } catch {
      // closed between readdir and readlink
    }
  }
  const states = new Map<string, number>();
  for (const table of ["tcp", "tcp6"]) {
    for (const line of readFileSync(`/proc/${pid}/net/${table}`, "utf8").split("\n").slice(1)) {
      const [, local, remote, state, , , , , , inode] = line.trim().split(/\s+/);
      if (!inode || !inodes.has(inode) || state === "0A") continue; // 0A: LISTEN
      const address = side === "local" ? local : remote;
      if (Number.parseInt(address?.split(":")[1] ?? "", 16) === port) tally(states, TCP_STATES[state as string] ?? `state ${state}`);
    }
  }
  return states;
};
const sum = (map: Map<string, number>) => [...map.values()].reduce((a, b) => a + b, 0);

// ---- the proxy process ----

/** The soft limit to ask for: FD_WANTED, or the hard limit when that is lower; never below the current soft limit. */
const descriptorLimit = () => {
  const [soft = "1024", hard = "1024"] = execFileSync("bash", ["-c", "ulimit -Sn; ulimit -Hn"], { encoding: "utf8" }).trim().split("\n");
  const cap = hard === "unlimited" ? FD_WANTED : Math.min(FD_WANTED, Number(hard));
  return { soft, hard, use: soft === "unlimited" ? soft : String(Math.max(Number(soft), cap)) };
};

const startProxy = async (runtime: RuntimeName, baseUrl: string, authPath: string, limit: string) => {
  const { command, args } = entryCommand(runtime);
  const flags = [
    "--listen",
    "127.0.0.1:0",
    "--api-key",
    KEY,
    "--auth-path",
    authPath,
    "--base-url",
    baseUrl,
    "--log-level",
    "error",
    "--body-limit",
    BODY_LIMIT,
  ];
  // `exec` keeps the pid: /proc/PID is the runtime itself.
  const child = spawn("bash", ["-c", `ulimit -n ${limit} && exec "$@"`, "bash", command, ...args, ...flags], { stdio: ["ignore", "pipe", "pipe"] });
  const state = { exit: "", stderr: "" };
  child.stderr.on("data", (chunk: Buffer) => {
    state.stderr = (state.stderr + chunk.toString()).slice(-4000);
  });
  child.on("exit", (code, signal) => {
    state.exit = signal ?? `code ${code}`;
  });
  const [, url] = await started(child, /listening on (http:\/\/\S+?)\/?\s/);
  return { child, url: url as string, pid: child.pid as number, state };
};

// ---- requests ----

const loadAgent = new Agent({ connections: STREAMS + 50, pipelining: 1, keepAliveTimeout: 10_000 });
/** Probes and malformed requests get a fresh connection each (`reset: true`): accepting one is part of what is probed. */
const freshAgent = new Agent({ pipelining: 1 });
const headers = { authorization: `Bearer ${KEY}`, "content-type": "application/json" };

const responsesBody = (text: string, stream: boolean, user: string) => JSON.stringify({ input: text, stream, user });
const chatBody = (text: string, stream: boolean, user: string) => JSON.stringify({ messages: [{ role: "user", content: text }], stream, user });

/** What a finished SSE body shows: the dialect's normal end, its error frame (with the error's code), or neither. */
const classifyStream = (text: string, chat: boolean): { ok: boolean; kind: string } => {
  const frames = text.split(/\r?\n\r?\n/).filter((f) => f.trim() !== "" && !f.startsWith(":"));
  const data = (frame: string) =>
    frame
      .split(/\r?\n/)
      .filter((l) => l.startsWith("data:"))
      .map((l) => l.slice(5).trimStart())
      .join("\n");
  if (chat) {
    const last = frames.at(-1);
    const error = frames.map(data).find((d) => d.startsWith("{") && (JSON.parse(d) as { error?: unknown }).error !== undefined);
    const code = error ? String((JSON.parse(error) as { error: { code?: string } }).error.code) : "";
    if (last === undefined || data(last) !== "[DONE]") return { ok: false, kind: error ? `error frame ${code}, no [DONE]` : "ended without [DONE]" };
    return error ? { ok: false, kind: `error frame ${code} + [DONE]` } : { ok: true, kind: "completed" };
  }
  const eventOf = (frame: string) => /^event:\s*(\S+)/m.exec(frame)?.[1] ?? "";
  const failure = frames.find((f) => ["error", "response.failed"].includes(eventOf(f)));
  if (failure) {
    const body = JSON.parse(data(failure)) as { code?: string; response?: { error?: { code?: string } } };
    return { ok: false, kind: `${eventOf(failure)} ${body.code ?? body.response?.error?.code ?? "?"}` };
  }
  return frames.some((f) => eventOf(f) === "response.completed") ? { ok: true, kind: "completed" } : { ok: false, kind: "ended without a terminal event" };
};

/** One streaming request read by a slow reader (a chunk, then a pause); resolves with how it ended. */
const slowStream = async (url: string, i: number, text: string, slowMs: number, signal: AbortSignal) => {
  const chat = i % 4 === 3;
  let body = "";
  try {
    const response = await request(`${url}${chat ? "/v1/chat/completions" : "/v1/responses"}`, {
      method: "POST",
      headers,
      body: chat ? chatBody(text, true, `load${i % 64}`) : responsesBody(text, true, `load${i % 64}`),
      dispatcher: loadAgent,
      signal,
    });
    if (response.statusCode !== 200) {
      await response.body.text();
      return { ok: false, kind: `HTTP ${response.statusCode}`, bytes: 0 };
    }
    for await (const chunk of response.body) {
      body += (chunk as Buffer).toString();
      if (slowMs > 0) await sleep(slowMs);
    }
    return { ...classifyStream(body, chat), bytes: body.length };
  } catch (error) {
    return { ok: false, kind: signal.aborted ? `no end within ${PHASE_MS / 1000} s` : `client saw ${errorKind(error)}`, bytes: body.length };
  }
};

/** GET /health and one short non-streaming POST, in turn, every 250 ms until stopped; counts the answers. */
const startProbe = (url: string) => {
  const counts = { health: 0, healthOk: 0, post: 0, postOk: 0, failures: new Map<string, number>() };
  let running = true;
  const once = async (what: "health" | "post") => {
    counts[what] += 1;
    try {
      const response = await request(what === "health" ? `${url}/health` : `${url}/v1/responses`, {
        method: what === "health" ? "GET" : "POST",
        headers,
        body: what === "health" ? undefined : responsesBody("[[bench:5]]", false, "probe"),
        dispatcher: freshAgent,
        reset: true,
        signal: AbortSignal.timeout(10_000),
      });
      const text = await response.body.text();
      const ok = response.statusCode === 200 && (what === "health" || (JSON.parse(text) as { status?: string }).status === "completed");
      if (ok) counts[what === "health" ? "healthOk" : "postOk"] += 1;
      else tally(counts.failures, `${what} HTTP ${response.statusCode}`);
    } catch (error) {
      tally(counts.failures, `${what} ${errorKind(error)}`);
    }
  };
  const loop = (async () => {
    while (running) {
      await once("health");
      await once("post");
      await sleep(250);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return counts;
    },
  };
};
type ProbeCounts = Awaited<ReturnType<ReturnType<typeof startProbe>["stop"]>>;
const probeCell = (p: ProbeCounts) => `${p.healthOk}/${p.health} + ${p.postOk}/${p.post}`;

// ---- phases ----

/** Phase 1: STREAMS streams at once (a quarter on /v1/chat/completions), each read slowly to its end. */
const phaseStreams = async (url: string) => {
  const signal = phaseDeadline();
  const results = await Promise.all(Array.from({ length: STREAMS }, (_, i) => slowStream(url, i, `[[bench:${DELTAS}:1]]`, SLOW_MS, signal)));
  const errors = new Map<string, number>();
  for (const r of results) if (!r.ok) tally(errors, r.kind);
  // How far the unfinished ones got tells a stall from a slow run: bytes read against a finished stream's size.
  const done = results.filter((r) => r.ok).map((r) => r.bytes);
  const cut = results.filter((r) => r.kind.startsWith("no end")).map((r) => r.bytes);
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? 0;
  if (cut.length > 0)
    tally(errors, `(unfinished streams had read a median ${(median(cut) / 1024).toFixed(1)} KiB; finished ones ${(median(done) / 1024).toFixed(1)} KiB)`, 0);
  return { served: done.length, errors };
};

/** Phase 2: IDLE TCP connections opened (100 at a time) and held with no bytes sent, then closed. */
const phaseIdle = async (port: number, pid: number) => {
  const sockets: Socket[] = [];
  const errors = new Map<string, number>();
  let holding = true;
  let closedEarly = 0;
  for (let i = 0; i < IDLE; i += 100) {
    await Promise.all(
      Array.from(
        { length: Math.min(100, IDLE - i) },
        () =>
          new Promise<void>((resolve) => {
            const socket = connect(port, "127.0.0.1");
            const timer = setTimeout(() => {
              tally(errors, "connect took over 10 s");
              socket.destroy();
              resolve();
            }, 10_000);
            socket.once("connect", () => {
              clearTimeout(timer);
              sockets.push(socket);
              socket.once("close", () => {
                if (holding) closedEarly += 1;
              });
              resolve();
            });
            socket.on("error", (error) => {
              clearTimeout(timer);
              if (!sockets.includes(socket)) tally(errors, `connect: ${errorKind(error)}`);
              resolve();
            });
          }),
      ),
    );
  }
  await sleep(HOLD_MS);
  const accepted = sum(tcpSockets(pid, port, "local"));
  holding = false;
  if (closedEarly > 0) tally(errors, "closed by the proxy while idle", closedEarly);
  for (const s of sockets) s.destroy();
  return { held: sockets.length - closedEarly, accepted, errors };
};

/** Sends raw bytes on a fresh socket, half-closes, and returns the status line's code or how the socket ended. */
const rawExchange = (port: number, bytes: string) =>
  new Promise<string>((resolve) => {
    let received = "";
    const socket = connect(port, "127.0.0.1", () => {
      socket.write(bytes);
      socket.end();
    });
    const done = (how: string) => {
      clearTimeout(timer);
      socket.destroy();
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(received)?.[1];
      resolve(status ? `HTTP ${status}` : how);
    };
    const timer = setTimeout(() => done("no answer in 5 s"), 5_000);
    socket.on("data", (chunk) => {
      received += chunk.toString("latin1");
    });
    socket.on("error", (error) => done(`closed: ${errorKind(error)}`));
    socket.on("close", () => done("closed, no answer"));
  });

const head = (method: string, path: string, extra: string) =>
  `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${KEY}\r\nContent-Type: application/json\r\n${extra}\r\n`;
const OVERSIZED = Buffer.from(responsesBody("a".repeat(2 * 1024 * 1024), false, "big"));

/** Each malformed kind: how to send one; resolves with the status or the transport outcome. */
const MALFORMED: Record<string, { count: number; send: (url: string, port: number) => Promise<string> }> = {};
const viaHttp =
  (method: string, path: string, body: string | Buffer | undefined, contentType = "application/json") =>
  async (url: string) => {
    try {
      const response = await request(`${url}${path}`, {
        method: method as "POST",
        headers: { authorization: `Bearer ${KEY}`, "content-type": contentType },
        body,
        dispatcher: freshAgent,
        reset: true,
        signal: AbortSignal.timeout(10_000),
      });
      await response.body.text();
      return `HTTP ${response.statusCode}`;
    } catch (error) {
      return `client saw ${errorKind(error)}`;
    }
  };
MALFORMED["bad JSON"] = { count: 60, send: viaHttp("POST", "/v1/responses", '{"input": "x", "stream": tru') };
MALFORMED["JSON array body"] = { count: 40, send: viaHttp("POST", "/v1/chat/completions", "[1, 2, 3]") };
MALFORMED["wrong content-type"] = { count: 50, send: viaHttp("POST", "/v1/responses", responsesBody("x", false, "ct"), "text/plain") };
MALFORMED[`oversized body (2 MiB over ${BODY_LIMIT})`] = { count: 20, send: viaHttp("POST", "/v1/responses", OVERSIZED) };
MALFORMED["bad method (PUT)"] = { count: 50, send: viaHttp("PUT", "/v1/responses", "{}") };
MALFORMED["garbage request line"] = { count: 50, send: (_url, port) => rawExchange(port, "\x16\x03\x01 GARBAGE !!\r\n\r\n") };
MALFORMED["truncated chunked body"] = {
  count: 50,
  send: (_url, port) => rawExchange(port, `${head("POST", "/v1/responses", "Transfer-Encoding: chunked\r\n")}40\r\n{"input": "x", "str`),
};
MALFORMED["bad chunk size"] = {
  count: 40,
  send: (_url, port) => rawExchange(port, `${head("POST", "/v1/responses", "Transfer-Encoding: chunked\r\n")}zz\r\n{}\r\n0\r\n\r\n`),
};
MALFORMED["64 KiB header"] = { count: 20, send: (_url, port) => rawExchange(port, head("GET", "/health", `X-Big: ${"b".repeat(64 * 1024)}\r\n`)) };

/** Phase 3: every malformed request at once, 50 in flight at a time, kinds interleaved; outcomes by kind. */
const phaseMalformed = async (url: string, port: number) => {
  const jobs = Object.entries(MALFORMED).flatMap(([kind, { count, send }]) => Array.from({ length: count }, (_, i) => ({ kind, send, i })));
  jobs.sort((a, b) => a.i - b.i);
  const outcomes = new Map<string, Map<string, number>>();
  let next = 0;
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      for (let job = jobs[next++]; job !== undefined; job = jobs[next++]) {
        const outcome = await job.send(url, port);
        tally(outcomes.get(job.kind) ?? outcomes.set(job.kind, new Map()).get(job.kind) ?? new Map(), outcome);
      }
    }),
  );
  const answered4xx = [...outcomes.values()].reduce((n, m) => n + [...m].filter(([k]) => /^HTTP 4\d\d$/.test(k)).reduce((a, [, c]) => a + c, 0), 0);
  return { total: jobs.length, answered4xx, outcomes };
};

/**
 * Phase 4: RESETS streams whose upstream connection the emulator destroys mid-body (after 5 events, also halfway
 * through the sixth), or right after its headers. A drop mid-body must end the stream in its dialect's error frame
 * (`error` with stream_truncated on Responses, an error chunk then [DONE] on chat); a drop before the first event
 * may instead be a 502, since the proxy has sent no headers yet.
 */
const phaseResets = async (url: string) => {
  const signal = phaseDeadline();
  const variants = ['[[emu:disconnect {"afterEvents":5,"midLine":true}]]', '[[emu:disconnect {"afterEvents":5}]]', '[[emu:disconnect {"afterEvents":0}]]'];
  const results = await Promise.all(
    Array.from({ length: RESETS }, async (_, i) => {
      const variant = i % variants.length;
      const r = await slowStream(url, i, variants[variant] as string, 0, signal);
      const framed = /^(error|response\.failed) |^error frame .* \+ \[DONE\]$/.test(r.kind);
      return { ...r, expected: framed || (variant === 2 && r.kind === "HTTP 502") };
    }),
  );
  const outcomes = new Map<string, number>();
  for (const r of results) tally(outcomes, r.kind);
  return { expected: results.filter((r) => r.expected).length, outcomes };
};

/** Waits (15 s at most) for the proxy to hold no connection to the emulator; the count then, and how long it took. */
const settleUpstream = async (pid: number, emulatorPort: number) => {
  const t0 = performance.now();
  let states = tcpSockets(pid, emulatorPort, "remote");
  while (sum(states) > 0 && performance.now() - t0 < 15_000) {
    await sleep(250);
    states = tcpSockets(pid, emulatorPort, "remote");
  }
  return { open: sum(states), states, ms: performance.now() - t0 };
};

// ---- the run ----

// This process holds the streams and idle connections too: under a lower soft limit it runs itself again with the
// limit raised (up to the hard limit), or stops and says so.
const limits = descriptorLimit();
const own = fdLimit(process.pid);
const needed = Math.max(STREAMS, IDLE) + 200;
if (own !== "unlimited" && Number(own) < needed) {
  if (limits.use !== "unlimited" && Number(limits.use) < needed) {
    process.stderr.write(`load: the hard descriptor limit (${limits.hard}) is below the ${needed} this run needs; lower BENCH_LOAD_IDLE\n`);
    process.exit(1);
  }
  const again = spawnSync("bash", ["-c", `ulimit -n ${limits.use} && exec "$@"`, "bash", process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: "inherit",
    env: { ...process.env, BENCH_LOAD_FD_SOFT_BEFORE: limits.soft },
  });
  process.exit(again.status ?? 1);
}
const dir = mkdtempSync(join(tmpdir(), "godex-bench-load-"));
copyFileSync("test/fixtures/codex/auth.json", join(dir, "auth.json"));
const { child: emulatorProcess, url: emulatorUrl, baseUrl } = await startEmulatorProcess();
const emulatorPort = Number(new URL(emulatorUrl).port);
process.stdout.write(
  `load: ${STREAMS} slow-read streams, ${IDLE} idle connections held ${HOLD_MS / 1000} s, ${Object.values(MALFORMED).reduce((n, m) => n + m.count, 0)} malformed requests, ${RESETS} upstream resets; ` +
    `descriptor limit: soft ${process.env.BENCH_LOAD_FD_SOFT_BEFORE ? `${process.env.BENCH_LOAD_FD_SOFT_BEFORE} (raised to ${limits.soft} for this run)` : limits.soft}, hard ${limits.hard}, proxy started with ${limits.use}\n`,
);

const rows: string[] = [];
const details: string[] = [];
for (const runtime of RUNTIMES) {
  const t0 = performance.now();
  const proxy = await startProxy(runtime, baseUrl, join(dir, "auth.json"), limits.use);
  const port = Number(new URL(proxy.url).port);
  const limit = fdLimit(proxy.pid);
  // Warm-up, then the baseline RSS.
  for (let i = 0; i < 50; i++) await slowStream(proxy.url, i, "[[bench:20]]", 0, AbortSignal.timeout(10_000));
  await sleep(1500);
  const rssBefore = rssMb(proxy.pid);

  const phases: { name: string; probe: ProbeCounts; upstream: Awaited<ReturnType<typeof settleUpstream>>; summary: string; errors: string; served: number }[] =
    [];
  const run = async <T>(name: string, work: () => Promise<T>, describe: (r: T) => { summary: string; errors: string; served: number }) => {
    if (proxy.state.exit) return;
    const probe = startProbe(proxy.url);
    const begun = performance.now();
    const result = await work();
    const seconds = (performance.now() - begun) / 1000;
    const counts = await probe.stop();
    const upstream = proxy.state.exit ? { open: Number.NaN, states: new Map(), ms: 0 } : await settleUpstream(proxy.pid, emulatorPort);
    const described = describe(result);
    phases.push({ name, probe: counts, upstream, ...described, summary: `${described.summary} in ${seconds.toFixed(1)} s` });
    process.stdout.write(`${runtime} ${name}: ${phases.at(-1)?.summary}; probes ${probeCell(counts)}; upstream sockets after ${upstream.open}\n`);
  };
  await run(
    "streams",
    () => phaseStreams(proxy.url),
    (r) => ({ summary: `${r.served}/${STREAMS} completed`, errors: listTally(r.errors), served: r.served }),
  );
  await run(
    "idle",
    () => phaseIdle(port, proxy.pid),
    (r) => ({ summary: `${r.held}/${IDLE} held (proxy held ${r.accepted} accepted sockets)`, errors: listTally(r.errors), served: 0 }),
  );
  await run(
    "malformed",
    () => phaseMalformed(proxy.url, port),
    (r) => ({
      summary: `${r.answered4xx}/${r.total} answered 4xx`,
      errors: [...r.outcomes].map(([kind, m]) => `${kind}: ${listTally(m)}`).join("; "),
      served: r.answered4xx,
    }),
  );
  await run(
    "resets",
    () => phaseResets(proxy.url),
    (r) => ({ summary: `${r.expected}/${RESETS} ended as expected`, errors: listTally(r.outcomes), served: r.expected }),
  );
  await sleep(1500);
  const rssAfter = proxy.state.exit ? Number.NaN : rssMb(proxy.pid);
  const exit = proxy.state.exit;
  proxy.child.kill("SIGKILL");
  const served = phases.reduce((n, p) => n + p.served + p.probe.healthOk + p.probe.postOk, 0);
  const probes = phases.map((p) => `${p.name} ${probeCell(p.probe)}`).join(", ");
  const probeFailures = phases.flatMap((p) => (p.probe.failures.size > 0 ? [`${p.name}: ${listTally(p.probe.failures)}`] : []));
  const upstream = phases.map((p) => `${p.name} ${p.upstream.open}`).join(", ");
  const stream = phases.find((p) => p.name === "streams");
  const resets = phases.find((p) => p.name === "resets");
  const malformed = phases.find((p) => p.name === "malformed");
  const idle = phases.find((p) => p.name === "idle");
  rows.push(
    `| ${runtime} | ${served} | ${limit} | ${stream?.summary ?? "–"} | ${idle?.summary.replace(/ \(.*/, "") ?? "–"} | ${malformed?.summary ?? "–"} | ${resets?.summary ?? "–"} | ${probes} | ` +
      `${rssBefore.toFixed(1)} → ${rssAfter.toFixed(1)} MB | ${upstream} | ${exit ? `**exited: ${exit}**` : "no"} |`,
  );
  details.push(
    [
      `### ${runtime} (${((performance.now() - t0) / 1000).toFixed(0)} s; requests served: ${served})`,
      "",
      ...phases.map(
        (p) =>
          `- ${p.name}: ${p.summary}. Errors by kind: ${p.errors}. Upstream sockets ${p.upstream.open} after ${(p.upstream.ms / 1000).toFixed(1)} s${p.upstream.open > 0 ? ` (${listTally(p.upstream.states)})` : ""}.`,
      ),
      ...(probeFailures.length > 0 ? [`- probe failures: ${probeFailures.join("; ")}`] : []),
      ...(exit ? [`- **the proxy exited (${exit})**; its last stderr:\n\n\`\`\`\n${proxy.state.stderr.trim()}\n\`\`\``] : []),
    ].join("\n"),
  );
  process.stdout.write(`${rows.at(-1)}\n`);
}

process.stdout.write(`
| runtime | requests served | fd limit | ${STREAMS} slow-read streams | ${IDLE} idle connections | malformed burst | upstream resets mid-body | probes answered per phase (health + POST) | RSS before → after | upstream sockets after each phase | proxy exited |
|---|---|---|---|---|---|---|---|---|---|---|
${rows.join("\n")}

${details.join("\n\n")}
`);
emulatorProcess.kill("SIGTERM");
rmSync(dir, { recursive: true, force: true });
await Promise.all([loadAgent.close(), freshAgent.close()]);
