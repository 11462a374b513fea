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

/**
 * The bench emulator (bench/emulator-server.ts) in its own process; resolves with its base URL. On Node by
 * default; on Bun it serves about three times the requests per second here, enough to load a proxy at c=32.
 */
export const startEmulatorProcess = async (runtime: "node" | "bun" = "node") => {
  const [command, args] =
    runtime === "bun" ? ["node_modules/.bin/bun", ["run", "bench/emulator-server.ts"]] : [process.execPath, ["--import", "tsx", "bench/emulator-server.ts"]];
  const child = spawn(command as string, args as string[], { stdio: ["ignore", "pipe", "inherit"] });
  const [, url, baseUrl] = await started(child, /emulator (\S+) (\S+)\n/);
  return { child, url: url as string, baseUrl: baseUrl as string };
};
