// Starts Cloudflare's workerd serving the built worker (dist/worker.js) with given text bindings on a free loopback
// port, from a generated Cap'n Proto config in a temp dir; used by test/workerd.test.ts and the benchmark.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** Compatibility date of the generated config; keep it equal to the wrangler.toml example in docs/edge.md. */
export const COMPATIBILITY_DATE = "2026-11-01";

export interface WorkerdOptions {
  /** Text bindings (secrets are text bindings too), e.g. GODEX_PROXY_API_KEY and GODEX_PROXY_AUTH_JSON. */
  bindings: Record<string, string>;
  /** Path of the module worker to serve (absolute, or relative to the working directory); default the repo's dist/worker.js (run `npm run build` first). */
  script?: string;
  /** How long to wait for the listening socket; default 20 s. */
  timeoutMs?: number;
}

export interface SpawnedWorkerd {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  url: string;
  /** The workerd process id (the bench reads its CPU time). */
  pid: number;
  /** Everything workerd wrote to stdout (the worker's console) and stderr so far. */
  output(): string;
  /** Stops workerd (SIGTERM, then SIGKILL after 5 s), removes the temp dir and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Paths from this file, so the helper works from any working directory (tests, bench). */
const fromRoot = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const WORKERD = fromRoot("node_modules/.bin/workerd");

/**
 * The config: one worker bound to a loopback socket whose port the kernel picks (reported on the control fd).
 * Global fetch goes through the "internet" service; its default allows public addresses only, and the tests'
 * upstream is on 127.0.0.1, so "private" (a superset of "local", per workerd.capnp `Network.allow`) is added.
 */
const toConfig = (script: string, bindings: { name: string; file: string }[]): string => `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "godex", worker = .worker),
    (name = "internet", network = (allow = ["public", "private"], tlsOptions = (trustBrowserCas = true))),
  ],
  sockets = [(name = "http", address = "127.0.0.1:0", http = (), service = "godex")],
);

const worker :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed ${JSON.stringify(script)})],
  compatibilityDate = ${JSON.stringify(COMPATIBILITY_DATE)},
  bindings = [
${bindings.map((b) => `    (name = ${JSON.stringify(b.name)}, text = embed ${JSON.stringify(b.file)}),`).join("\n")}
  ],
);
`;

/** Starts workerd and resolves once its socket listens; rejects with workerd's output if it cannot start. */
export const spawnWorkerd = async (options: WorkerdOptions): Promise<SpawnedWorkerd> => {
  const dir = mkdtempSync(join(tmpdir(), "godex-workerd-"));
  const timeoutMs = options.timeoutMs ?? 20_000;
  // Values go in files pulled in with `embed`, so no secret or newline needs escaping in the config text.
  const bindings = Object.entries(options.bindings).map(([name, value], i) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`spawnWorkerd: bad binding name ${JSON.stringify(name)}`);
    const file = `binding-${i}.txt`;
    writeFileSync(join(dir, file), value, { mode: 0o600 });
    return { name, file };
  });
  // `embed` paths are relative to the config file.
  writeFileSync(join(dir, "config.capnp"), toConfig(relative(dir, options.script ?? fromRoot("dist/worker.js")), bindings));

  const child = spawn(WORKERD, ["serve", join(dir, "config.capnp"), "--control-fd", "3"], { stdio: ["ignore", "pipe", "pipe", "pipe"] });
  let output = "";
  const onOutput = (chunk: Buffer) => (output += chunk.toString());
  child.stdout?.on("data", onOutput);
  child.stderr?.on("data", onOutput);
  const exited = new Promise<number | null>((done) => child.on("close", (code) => done(code)));
  const cleanUp = () => rmSync(dir, { recursive: true, force: true });

  let control = "";
  let settled = false;
  const port = await new Promise<number>((done, fail) => {
    const failWith = (reason: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      void exited.then(() => {
        cleanUp();
        fail(new Error(`workerd ${reason}:\n${output}`));
      });
    };
    const timer = setTimeout(() => failWith(`did not listen within ${timeoutMs} ms`), timeoutMs);
    child.on("error", (error) => failWith(`could not be started (${error.message}); is the workerd devDependency installed?`));
    void exited.then((code) => failWith(`exited with ${code} before listening`));
    // The control fd carries one JSON object per line: {"event":"listen","socket":"http","port":N}.
    child.stdio[3]?.on("data", (chunk: Buffer) => {
      control += chunk.toString();
      const lines = control.split("\n");
      control = lines.pop() ?? "";
      for (const line of lines) {
        const message = JSON.parse(line) as { event?: string; socket?: string; port?: number };
        if (!settled && message.event === "listen" && message.socket === "http" && typeof message.port === "number") {
          settled = true;
          clearTimeout(timer);
          done(message.port);
        }
      }
    });
  });

  let stopped: Promise<number | null> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid as number,
    output: () => output,
    stop: () =>
      (stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
        const force = setTimeout(() => child.kill("SIGKILL"), 5_000);
        const code = await exited;
        clearTimeout(force);
        cleanUp();
        return code;
      })()),
  };
};
