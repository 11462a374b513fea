// What every bench script shares: waiting for a child's start line, and the emulator process.
import { spawn, type ChildProcess } from "node:child_process";

/** Resolves with the first match of `pattern` in the child's output (30 s at most). */
export const started = (child: ChildProcess, pattern: RegExp) =>
  new Promise<RegExpExecArray>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`no start line:\n${out}`)), 30_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = pattern.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
  });

/** The bench emulator (bench/emulator-server.ts) in its own process; resolves with its base URL. */
export const startEmulatorProcess = async () => {
  const child = spawn(process.execPath, ["--import", "tsx", "bench/emulator-server.ts"], { stdio: ["ignore", "pipe", "inherit"] });
  const [, url, baseUrl] = await started(child, /emulator (\S+) (\S+)\n/);
  return { child, url: url as string, baseUrl: baseUrl as string };
};
