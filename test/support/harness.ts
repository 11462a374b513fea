// In-process proxy in front of an in-process emulator: createProxy({ fetch: emulator.fetch, ... }) with a
// pinned clock and counter ids, an auth.json in a temp dir, and every log line captured.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assembleProxy } from "../../src/assemble.ts";
import { parseConfig } from "../../src/config/parse-config.ts";
import type { Config } from "../../src/config/schema.ts";
import { createLogger } from "../../src/log.ts";
import type { Proxy } from "../../src/proxy.ts";
import { createNodeAuthFile } from "../../runtimes/io/auth-file-node.ts";
import { createEmulator, type Emulator, type EmulatorOptions } from "../emulator/index.ts";

export const API_KEY = "test-proxy-key";

export interface Harness {
  proxy: Proxy;
  emulator: Emulator;
  config: Config;
  logs: string[];
  authPath: string;
  /** Advances the pinned clock shared by proxy and emulator. */
  advance(ms: number): void;
  now(): number;
  /** POST a JSON body to the proxy with the API key. */
  post(path: string, body: unknown, init?: { headers?: Record<string, string>; remoteAddress?: string; signal?: AbortSignal }): Promise<Response>;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  close(): void;
}

export interface HarnessOptions {
  argv?: string[];
  emulator?: EmulatorOptions;
  authFixture?: string;
  /** Start the clock here (epoch ms); defaults to 2026-07-20T10:00:00Z. */
  start?: number;
}

/** A fake "real" URL for the emulator: emulator.fetch answers any origin. */
export const EMULATOR_ORIGIN = "http://emulator.test";

export const createHarness = (options: HarnessOptions = {}): Harness => {
  let clock = options.start ?? Date.UTC(2026, 6, 20, 10, 0, 0);
  const now = () => clock;
  const dir = mkdtempSync(join(tmpdir(), "godex-harness-"));
  const authPath = join(dir, "auth.json");
  writeFileSync(authPath, readFileSync(`test/fixtures/codex/${options.authFixture ?? "auth.json"}`), { mode: 0o600 });
  const emulator = createEmulator({ now, ...options.emulator });
  const parsed = parseConfig({
    argv: [
      "--api-key",
      API_KEY,
      "--base-url",
      `${EMULATOR_ORIGIN}/backend-api/codex`,
      "--token-url",
      `${EMULATOR_ORIGIN}/oauth/token`,
      "--auth-path",
      authPath,
      "--log-level",
      "debug",
      ...(options.argv ?? []),
    ],
    env: {},
    home: dir,
  });
  if (parsed.kind !== "config") throw new Error(`bad harness config: ${JSON.stringify(parsed)}`);
  const { config } = parsed;
  const logs: string[] = [];
  const logger = createLogger({ level: config.logLevel, format: config.logFormat, write: (line) => logs.push(line), now, secrets: () => [API_KEY] });
  const emulatorFetch = ((input: RequestInfo | URL, init?: RequestInit) => emulator.fetch(new Request(input, init))) as typeof fetch;
  let ids = 0;
  const { proxy } = assembleProxy({
    config,
    logger,
    file: createNodeAuthFile(authPath),
    fetch: emulatorFetch,
    now,
    randomId: () => `test${String(++ids).padStart(6, "0")}`,
  });
  const send = (path: string, init: RequestInit, remoteAddress = "127.0.0.1") => proxy.fetch(new Request(`http://proxy.test${path}`, init), { remoteAddress });
  return {
    proxy,
    emulator,
    config,
    logs,
    authPath,
    advance: (ms) => {
      clock += ms;
    },
    now,
    post: (path, body, init = {}) =>
      send(
        path,
        {
          method: "POST",
          headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json", ...init.headers },
          body: typeof body === "string" ? body : JSON.stringify(body),
          signal: init.signal,
        },
        init.remoteAddress,
      ),
    get: (path, headers = {}) => send(path, { headers: { authorization: `Bearer ${API_KEY}`, ...headers } }),
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
};

/** Reads an SSE body to the end: each frame's event name and parsed data ("[DONE]" kept as a string). */
export const readSse = async (response: Response): Promise<{ event?: string; data: unknown }[]> => {
  const text = await response.text();
  const frames: { event?: string; data: unknown }[] = [];
  for (const block of text.split("\n\n")) {
    if (block.trim() === "" || block.startsWith(":")) continue;
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event: ")) event = line.slice(7);
      else if (line.startsWith("data: ")) data.push(line.slice(6));
    }
    const joined = data.join("\n");
    frames.push({ event, data: joined === "[DONE]" ? "[DONE]" : JSON.parse(joined) });
  }
  return frames;
};
