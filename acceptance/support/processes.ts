// Child processes for the suite: one-shot client runs (clients.md §6 runClient) and long-lived servers, both in
// their own process group so a deadline or teardown kills everything they started (the CLIs spawn helpers).
import { spawn, type ChildProcess } from "node:child_process";

export type ClientRun = { code: number | null; timedOut: boolean; stdout: string; stderr: string; ms: number };

/**
 * Cleanups that must run even when this test file is killed (the runner sends SIGTERM on a file timeout): child
 * process groups run detached, so nothing else would stop them, and sandboxes would stay in the temp dir.
 */
const cleanups = new Set<() => void>();
const runCleanups = () => {
  for (const cleanup of [...cleanups]) {
    cleanups.delete(cleanup);
    try {
      cleanup();
    } catch {
      // Best effort: the process is going away.
    }
  }
};
process.once("exit", runCleanups);
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    runCleanups();
    process.exit(signal === "SIGTERM" ? 143 : 130);
  });
}

/** Registers `cleanup` to run if the process exits before `release()` is called. */
export const onAbruptExit = (cleanup: () => void): { release(): void } => {
  cleanups.add(cleanup);
  return { release: () => void cleanups.delete(cleanup) };
};

/** A new error with `context` appended (assertion messages alone would not name the client run). */
export const withContext = (error: unknown, context: string): Error =>
  new Error(`${error instanceof Error ? error.message : String(error)}\n${context}`, { cause: error });

const killGroup = (child: ChildProcess, signal: NodeJS.Signals): void => {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
};

/** One headless client turn with stdin ignored; past `limitMs` the whole process group is killed. */
export const runClient = (cmd: string, args: string[], cwd: string, env: Record<string, string>, limitMs: number) =>
  new Promise<ClientRun>((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    const guard = onAbruptExit(() => killGroup(child, "SIGKILL"));
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    const deadline = setTimeout(() => {
      timedOut = true;
      killGroup(child, "SIGKILL");
    }, limitMs);
    child.once("error", (e) => {
      clearTimeout(deadline);
      guard.release();
      reject(e);
    });
    child.once("close", (code) => {
      clearTimeout(deadline);
      guard.release();
      // Helpers a CLI left behind in its group (language servers, daemons) go too.
      killGroup(child, "SIGKILL");
      resolve({ code, timedOut, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), ms: Math.round(performance.now() - started) });
    });
  });

/** The last `lines` lines of a text, for failure messages. */
export const tail = (text: string, lines = 30): string => text.trimEnd().split("\n").slice(-lines).join("\n");

/** A one-paragraph account of a client run for assertion messages (clients.md §6 step 7). */
export const describeRun = (run: ClientRun, extra = ""): string =>
  [
    `exit ${run.code}${run.timedOut ? " (TIMED OUT, process group killed)" : ""} after ${run.ms} ms`,
    `--- stderr (tail) ---\n${tail(run.stderr)}`,
    `--- stdout (tail) ---\n${tail(run.stdout, 20)}`,
    extra,
  ].join("\n");

export interface Server {
  child: ChildProcess;
  /** The first capture group of `ready` in the output. */
  match: string;
  output(): string;
  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves when the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts a long-lived process in its own group and waits until its stdout/stderr matches `ready`. */
export const startServer = (cmd: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; ready: RegExp; timeoutMs: number }): Promise<Server> =>
  new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    const guard = onAbruptExit(() => killGroup(child, "SIGKILL"));
    let output = "";
    let settled = false;
    const exited = new Promise<void>((done) =>
      child.once("close", () => {
        guard.release();
        done();
      }),
    );
    const stop = async (graceMs = 3000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      killGroup(child, "SIGTERM");
      const timer = setTimeout(() => killGroup(child, "SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    };
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      killGroup(child, "SIGKILL");
      reject(new Error(`${message}\n--- output ---\n${tail(output)}`));
    };
    const timer = setTimeout(() => fail(`${cmd} ${args.join(" ")}: not ready within ${options.timeoutMs} ms`), options.timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const found = options.ready.exec(output);
      if (found && !settled) {
        settled = true;
        clearTimeout(timer);
        resolve({ child, match: found[1] ?? found[0], output: () => output, stop });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("error", (e) => fail(`${cmd}: ${e.message}`));
    void exited.then(() => fail(`${cmd} ${args.join(" ")} exited with ${child.exitCode ?? child.signalCode} before it was ready`));
  });
