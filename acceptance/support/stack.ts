// The system under test: the backend emulator served on loopback in this process, and the real proxy entry as a
// child process (node dist/node.js, bun runtimes/bun.ts or deno run runtimes/deno.ts) pointed at it.
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEmulator, DEFAULT_MODELS, type Emulator, type EmulatorOptions, type RecordedCall } from "../../test/emulator/index.ts";
import { serveEmulator, type ServedEmulator } from "../../test/support/serve-emulator.ts";
import { ROOT_DIR } from "./paths.ts";
import { onAbruptExit, startServer, type Server } from "./processes.ts";

export type ProxyRuntime = "node" | "bun" | "deno";

/** The key clients must send; anything else gets 401. */
export const PROXY_KEY = "acceptance-proxy-key";

/** The emulator's allow-list plus `gpt-4o-mini`, the id LangChain (and the AI SDK) keep on chat (clients.md §3.6). */
export const MODELS = { ...DEFAULT_MODELS, "gpt-4o-mini": ["low", "medium", "high"] } as Record<string, string[]>;

/** The model every scenario asks for unless it needs a non-codex id. */
export const MODEL = "gpt-5.2-codex";

const entry = (runtime: ProxyRuntime): { command: string; args: string[] } => {
  switch (runtime) {
    case "node":
      return { command: process.execPath, args: ["dist/node.js"] };
    case "bun":
      return { command: join(ROOT_DIR, "node_modules/.bin/bun"), args: ["runtimes/bun.ts"] };
    case "deno":
      return {
        command: join(ROOT_DIR, "node_modules/.bin/deno"),
        args: ["run", "--allow-net", "--allow-read", "--allow-write", "--allow-env", "runtimes/deno.ts"],
      };
  }
};

export interface Stack {
  runtime: ProxyRuntime;
  emulator: Emulator;
  served: ServedEmulator;
  proxy: Server;
  /** `http://127.0.0.1:PORT/v1`, what clients take as their base URL. */
  baseURL: string;
  /** The usage the backend sent in the terminal event of `call`'s stream (what the proxy must pass on). */
  backendUsage(call: RecordedCall): BackendUsage;
  /** The proxy's request log lines (--log-requests) so far, oldest first: what clients called, with the status. */
  proxyRequests(): Array<{ method: string; path: string; status: number }>;
  /** The proxy's stdout/stderr so far (its --log-requests lines), for failure messages. */
  proxyLog(): string;
  close(): Promise<void>;
}

/** Starts an emulator and a proxy on `runtime` in front of it; the proxy's auth.json is a temp copy of the fixture. */
export const startStack = async (runtime: ProxyRuntime = "node", emulatorOptions: EmulatorOptions = { models: MODELS }): Promise<Stack> => {
  const { command, args } = entry(runtime);
  if (runtime === "node" && !existsSync(join(ROOT_DIR, "dist/node.js"))) throw new Error("dist/node.js is missing: run `npm run build` in the repo root");
  if (runtime !== "node" && !existsSync(command))
    throw new Error(`${command} is missing: run \`npm ci\` in the repo root (bun and deno are root devDependencies)`);
  const dir = mkdtempSync(join(tmpdir(), "godex-acceptance-proxy-"));
  const guard = onAbruptExit(() => rmSync(dir, { recursive: true, force: true }));
  copyFileSync(join(ROOT_DIR, "test/fixtures/codex/auth.json"), join(dir, "auth.json"));
  const emulator = createEmulator(emulatorOptions);
  const usages = new Map<string, BackendUsage>();
  // An observer between the socket and the emulator: it copies each stream and keeps the usage of its terminal
  // event by response id, so tests compare client-side numbers with exactly what the backend sent.
  const observed: Emulator = {
    ...emulator,
    fetch: async (input, init) => {
      const response = await emulator.fetch(input, init);
      if (!response.body || !(response.headers.get("content-type") ?? "").includes("text/event-stream")) return response;
      const [forProxy, forUs] = response.body.tee();
      void recordUsage(forUs, usages);
      return new Response(forProxy, { status: response.status, statusText: response.statusText, headers: response.headers });
    },
  };
  const served = await serveEmulator(observed);
  const env: NodeJS.ProcessEnv = { NO_COLOR: "1" };
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("GODEX_PROXY_")) env[key] = value;
  let proxy: Server;
  try {
    proxy = await startServer(
      command,
      [...args, "--listen", "127.0.0.1:0", "--api-key", PROXY_KEY, "--auth-path", join(dir, "auth.json"), "--base-url", served.baseUrl, "--log-requests"],
      { cwd: ROOT_DIR, env, ready: /listening on (http:\/\/\S+?)\/?(?:\s|$)/, timeoutMs: 60_000 },
    );
  } catch (error) {
    await served.close();
    guard.release();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    runtime,
    emulator,
    served,
    proxy,
    baseURL: `${proxy.match}/v1`,
    backendUsage(call) {
      const usage = call.responseId === undefined ? undefined : usages.get(call.responseId);
      if (!usage) throw new Error(`no usage recorded for backend response ${call.responseId} (scenario ${call.scenario})`);
      return usage;
    },
    proxyLog: () => proxy.output(),
    proxyRequests: () =>
      proxy
        .output()
        .split("\n")
        .filter((line) => line.includes("msg=request"))
        .map((line) => ({
          method: /\bmethod=(\S+)/.exec(line)?.[1] ?? "",
          path: /\bpath=(\S+)/.exec(line)?.[1] ?? "",
          status: Number(/\bstatus=(\d+)/.exec(line)?.[1] ?? 0),
        })),
    async close() {
      await proxy.stop();
      await served.close();
      guard.release();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

export interface BackendUsage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  input_tokens_details?: { cached_tokens?: number };
}

/**
 * Reads a copy of an SSE body and keeps the usage of `response.completed` / `.incomplete`. Lines are parsed as
 * they arrive, so the usage is known before the proxy can have passed that event on to a client.
 */
const recordUsage = async (body: ReadableStream<Uint8Array>, usages: Map<string, BackendUsage>): Promise<void> => {
  let pending = "";
  const decoder = new TextDecoder();
  const take = (line: string) => {
    if (!line.startsWith("data:")) return;
    try {
      const event = JSON.parse(line.slice(5)) as { type?: string; response?: { id?: string; usage?: BackendUsage } };
      if ((event.type === "response.completed" || event.type === "response.incomplete") && event.response?.id && event.response.usage) {
        usages.set(event.response.id, event.response.usage);
      }
    } catch {
      // Not JSON: nothing to record.
    }
  };
  try {
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
      pending += decoder.decode(chunk, { stream: true });
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      lines.forEach(take);
    }
  } catch {
    // A scripted drop or teardown ends the copy too.
  }
  take(pending);
};

/** A compact view of the emulator's request log for assertion messages. */
export const describeCalls = (calls: readonly RecordedCall[]): string =>
  calls
    .map((c, i) => {
      const body = c.body as { input?: unknown[]; tools?: unknown[] } | undefined;
      const items = (body?.input ?? []).map((item) => {
        const it = item as { type?: string; role?: string; name?: string; call_id?: string };
        return it.type === "message" || it.role ? `${it.role}` : `${it.type}${it.name ? `:${it.name}` : ""}${it.call_id ? `(${it.call_id})` : ""}`;
      });
      const answer = c.status === 200 ? `scenario ${c.scenario}` : `${c.status} ${JSON.stringify(c.responseBody).slice(0, 300)}`;
      return `#${i + 1} ${c.method} ${c.path} → ${answer}; input [${items.join(", ")}]; ${body?.tools?.length ?? 0} tools`;
    })
    .join("\n");
