// A real redis-server (Debian package; .ci/run installs it) on a free loopback port, without persistence, for the
// Redis store tests (issue #10 item 4). A missing binary is an error that names the fix, never a silent skip.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";

export interface RedisServer {
  port: number;
  /** `redis://127.0.0.1:<port>` plus `/<db>` when given. */
  url(db?: number): string;
  /** SIGKILL: the way a crash looks to the proxies. Resolves once the process is gone. */
  kill(): Promise<void>;
  /** A fresh server on the same port (after kill). */
  restart(): Promise<void>;
  /** Whatever the server printed (for failure messages). */
  output(): string;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

/** Throws with the install hint when redis-server is not on PATH. */
export const requireRedisServer = (): void => {
  const probe = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new Error("redis-server not found on PATH: the Redis tests need a real server (apt-get install redis-server; .ci/run installs it)");
  }
};

const launch = (port: number) =>
  new Promise<{ child: ChildProcess; output: () => string }>((resolve, reject) => {
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes", "--loglevel", "notice"];
    const child = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`redis-server did not become ready on port ${port} within 10 s:\n${output}`));
    }, 10_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/Ready to accept connections/.test(output)) {
        clearTimeout(timer);
        resolve({ child, output: () => output });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code} before it was ready:\n${output}`));
    });
  });

/** Starts redis-server on a free 127.0.0.1 port and waits until it accepts connections. */
export const startRedisServer = async (): Promise<RedisServer> => {
  requireRedisServer();
  const port = await freePort();
  let current = await launch(port);
  const kill = async () => {
    const { child } = current;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    if (child.pid !== undefined) process.kill(child.pid, "SIGKILL");
    await gone;
  };
  return {
    port,
    url: (db) => `redis://127.0.0.1:${port}${db === undefined ? "" : `/${db}`}`,
    kill,
    async restart() {
      await kill();
      current = await launch(port);
    },
    output: () => current.output(),
  };
};
