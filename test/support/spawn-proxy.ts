// Starts the real proxy entry (node dist/node.js, bun runtimes/bun.ts or deno run runtimes/deno.ts) as a child
// process on a free port and waits for its "listening on" line.
import { spawn, type ChildProcess } from "node:child_process";
import { entryCommand, RUNTIME, type RuntimeName } from "./runtime.ts";

export interface SpawnedProxy {
  url: string;
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

export interface SpawnResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the entry to completion (for --help, --version and bad flags). */
export const runProxyOnce = (args: string[], options: { env?: Record<string, string>; runtime?: RuntimeName; timeoutMs?: number } = {}) =>
  new Promise<SpawnResult>((resolve, reject) => {
    const { command, args: base } = entryCommand(options.runtime ?? RUNTIME);
    const child = spawn(command, [...base, ...args], { stdio: ["ignore", "pipe", "pipe"], env: cleanEnv(options.env) });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 20_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });

/** The environment for a child: this process's, minus GODEX_PROXY_* (tests set those explicitly). */
const cleanEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("GODEX_PROXY_")) env[key] = value;
  return { ...env, NO_COLOR: "1", ...extra };
};

/** Starts the proxy with `args` (a --listen on port 0 is added unless given) and waits until it listens. */
export const spawnProxy = async (
  args: string[],
  options: {
    env?: Record<string, string>;
    runtime?: RuntimeName;
    timeoutMs?: number;
    /** Another command line in place of the runtime's entry (a copied bundle, the entry under `ulimit`). */
    entry?: { command: string; args: string[] };
    cwd?: string;
  } = {},
): Promise<SpawnedProxy> => {
  const { command, args: base } = options.entry ?? entryCommand(options.runtime ?? RUNTIME);
  const listen = args.includes("--listen") ? [] : ["--listen", "127.0.0.1:0"];
  const child = spawn(command, [...base, ...listen, ...args], { stdio: ["ignore", "pipe", "pipe"], env: cleanEnv(options.env), cwd: options.cwd });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`proxy did not start within ${options.timeoutMs ?? 20_000} ms:\n${output}`));
    }, options.timeoutMs ?? 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+?)\/?(\s|$)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`proxy exited with ${code} before listening:\n${output}`));
    });
  });
  return {
    url,
    child,
    exited,
    output: () => output,
    stop: async (signal = "SIGTERM") => {
      // process.kill, not child.kill: Deno's node:child_process reports a child that exits 0 after
      // child.kill() as killed by the signal (exit code null), which would hide a clean shutdown.
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, signal);
      return exited;
    },
  };
};
