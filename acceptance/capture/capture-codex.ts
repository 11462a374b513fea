// `npm run capture:codex`: ground truth for issue 16. Runs the pinned Codex CLI (acceptance/.clients/codex, put
// there by `bash acceptance/install-clients.sh`) against a recording upstream on loopback and writes what it sent,
// scrubbed, to test/fixtures/codex-cli-0.169/captured/. The recorder hands every request, unchanged apart from the
// credentials, to the backend emulator (test/emulator), whose CALL_TOOL script answers the tool turns; so a run also
// shows whether the emulator accepts the real client's requests as they are (the test suite checks that per file).
//
// Scenarios: a Responses Lite model (gpt-5.6-sol) and a classic one (gpt-5.5), each with a plain turn and a tool
// round trip: a `custom` tool on both (Lite: `exec`, the only tool it has at top level; classic: `apply_patch`)
// and a function tool on the classic model (`exec_command`). Flags: `--only <name>` runs one scenario.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { createEmulator, type RecordedCall } from "../../test/emulator/index.ts";
import { CLIENTS_DIR, ROOT_DIR, installedVersion } from "../support/paths.ts";
import { runClient, tail } from "../support/processes.ts";
import { createSandbox, parseJsonLines, removeStrayTempDirs, requireBinary, type Sandbox } from "../support/sandbox.ts";

const PREFIX = join(CLIENTS_DIR, "codex");
const BIN = join(PREFIX, "node_modules/.bin/codex");
const OUT_DIR = join(ROOT_DIR, "test/fixtures/codex-cli-0.169/captured");
const PROXY_KEY = "capture-proxy-key";
const LIMIT_MS = 120_000;

interface Scenario {
  name: string;
  model: string;
  shape: "lite" | "classic";
  prompt: string;
  /** What the tool round trip shows, for the fixture's note. */
  what: string;
  /** Requests the turn must make (1 for text, 2 for a tool round trip). */
  requests: number;
  sandboxMode?: "read-only" | "workspace-write";
}

// The exec tool runs JavaScript in an isolate with the nested tools on `tools` (its description in the Lite capture).
const EXEC_SOURCE = "const r = await tools.exec_command({cmd: 'cat hello.txt'}); text(r);";
const PATCH = "*** Begin Patch\\n*** Add File: note.txt\\n+captured\\n*** End Patch\\n";

const SCENARIOS: Scenario[] = [
  { name: "lite-gpt-5.6-sol.text", model: "gpt-5.6-sol", shape: "lite", prompt: "Say hello", what: "a plain turn", requests: 1 },
  {
    name: "lite-gpt-5.6-sol.custom-tool",
    model: "gpt-5.6-sol",
    shape: "lite",
    prompt: `Show me the file. CALL_TOOL exec "${EXEC_SOURCE}"`,
    what: "a custom tool round trip: the emulator answers a custom_tool_call of `exec` (JavaScript), the CLI runs it and sends the custom_tool_call_output",
    requests: 2,
  },
  { name: "classic-gpt-5.5.text", model: "gpt-5.5", shape: "classic", prompt: "Say hello", what: "a plain turn", requests: 1 },
  {
    name: "classic-gpt-5.5.function-tool",
    model: "gpt-5.5",
    shape: "classic",
    prompt: 'Show me the file. CALL_TOOL exec_command {"cmd":"cat hello.txt"}',
    what: "a function tool round trip: function_call exec_command, then its function_call_output",
    requests: 2,
  },
  {
    name: "classic-gpt-5.5.custom-tool",
    model: "gpt-5.5",
    shape: "classic",
    prompt: `Add a note. CALL_TOOL apply_patch "${PATCH}"`,
    what: "a custom tool round trip: custom_tool_call apply_patch (freeform patch), then its custom_tool_call_output",
    requests: 2,
    sandboxMode: "workspace-write",
  },
];

interface Captured {
  method: string;
  path: string;
  headers: Record<string, string>;
  rawBody: string;
}

const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });

/** The recording upstream: records each request as received, then lets the emulator answer it. */
const startRecorder = async () => {
  const emulator = createEmulator({ requireAccountId: false });
  const tokens = emulator.mintTokens();
  const captured: Captured[] = [];
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
    captured.push({ method: req.method ?? "", path: req.url ?? "", headers, rawBody: body.toString("utf8") });
    // To the emulator as the backend would get it from a proxy: the path under its base, the bearer swapped.
    const path = (req.url ?? "/").replace(/^\/v1/, emulator.basePath);
    const forwarded = new Headers();
    for (const [name, value] of Object.entries(headers)) {
      if (!["host", "authorization", "content-length", "connection"].includes(name)) forwarded.set(name, value);
    }
    forwarded.set("authorization", `Bearer ${tokens.accessToken}`);
    const method = req.method ?? "GET";
    const answer = await emulator.fetch(`http://emulator.invalid${path}`, {
      method,
      headers: forwarded,
      ...(method === "GET" || method === "HEAD" ? {} : { body: new Uint8Array(body) }),
    });
    res.writeHead(answer.status, Object.fromEntries(answer.headers));
    if (answer.body) for await (const chunk of answer.body) res.write(chunk);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    emulator,
    captured,
    baseURL: `http://127.0.0.1:${port}/v1`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

const writeConfig = (sandbox: Sandbox, scenario: Scenario, baseURL: string): string => {
  const codexHome = join(sandbox.home, ".codex");
  mkdirSync(codexHome, { recursive: true });
  writeFileSync(
    join(codexHome, "config.toml"),
    [
      `model = "${scenario.model}"`,
      `model_provider = "recorder"`,
      `approval_policy = "never"`,
      `sandbox_mode = "${scenario.sandboxMode ?? "read-only"}"`,
      `analytics = { enabled = false }`,
      `feedback = { enabled = false }`,
      `[model_providers.recorder]`,
      `name = "recorder"`,
      `base_url = "${baseURL}"`,
      `env_key = "PROXY_API_KEY"`,
      `wire_api = "responses"`,
      "",
    ].join("\n"),
  );
  return codexHome;
};

/** Replaces the sandbox's paths and the bearer; ids, headers and bodies stay as the CLI sent them. */
const scrub = (text: string, sandbox: Sandbox): string =>
  text
    .split(sandbox.work)
    .join("/home/user/project")
    .split(sandbox.home)
    .join("/home/user")
    .split(sandbox.tmp)
    .join("/tmp")
    .split(sandbox.root)
    .join("/home/user/sandbox")
    .split(PROXY_KEY)
    .join("<proxy key>");

const run = async (scenario: Scenario, version: string): Promise<{ ok: boolean; summary: string }> => {
  const recorder = await startRecorder();
  const sandbox = createSandbox("capture");
  try {
    const codexHome = writeConfig(sandbox, scenario, recorder.baseURL);
    const env = sandbox.env({ CODEX_HOME: codexHome, PROXY_API_KEY: PROXY_KEY });
    const result = await runClient(BIN, ["exec", "--skip-git-repo-check", "--json", scenario.prompt], sandbox.work, env, LIMIT_MS);
    const events = parseJsonLines(result.stdout);
    const answers: RecordedCall[] = recorder.emulator.calls;
    const turns = recorder.captured.filter((c) => c.method === "POST" && c.path.startsWith("/v1/responses"));
    turns.forEach((request, i) => {
      const answer = answers[i];
      const fixture = {
        note: `Captured by \`npm run capture:codex\` from @openai/codex@${version} (\`codex exec --json\`, custom provider with wire_api = "responses", model ${scenario.model}, ${scenario.shape} shape): ${scenario.what}. Request ${i + 1} of ${turns.length}; the emulator answered it with ${answer?.status ?? "nothing"}${answer?.scenario ? ` (${answer.scenario})` : ""}. Only the bearer and the sandbox paths are replaced.`,
        method: request.method,
        path: request.path,
        headers: Object.fromEntries(Object.entries(request.headers).filter(([name]) => name !== "host")),
        body: JSON.parse(request.rawBody) as unknown,
      };
      writeFileSync(join(OUT_DIR, `${scenario.name}.turn${i + 1}.request.json`), `${scrub(JSON.stringify(fixture, null, 2), sandbox)}\n`);
    });
    const others = recorder.captured.filter((c) => !turns.includes(c)).map((c) => `${c.method} ${c.path}`);
    const rejected = answers.filter((c) => c.status !== 200).map((c) => `${c.status} ${JSON.stringify(c.responseBody)}`);
    const final = events.filter((e) => e.type === "item.completed" && e.item?.type === "agent_message").at(-1)?.item?.text;
    const problems = [
      result.code !== 0 || result.timedOut ? `codex exited ${result.code}${result.timedOut ? " (timed out)" : ""}` : "",
      turns.length !== scenario.requests ? `${turns.length} requests, expected ${scenario.requests}` : "",
      rejected.length > 0 ? `emulator refused: ${rejected.join("; ")}` : "",
    ].filter(Boolean);
    const summary = `${scenario.name}: ${turns.length} request(s), final text ${JSON.stringify(final ?? null)}${others.length ? `, other requests: ${others.join(", ")}` : ""}`;
    if (problems.length === 0) return { ok: true, summary };
    return { ok: false, summary: `${summary}\n  PROBLEM: ${problems.join("; ")}\n  stderr: ${tail(result.stderr, 15)}\n  stdout: ${tail(result.stdout, 8)}` };
  } finally {
    sandbox.remove();
    await recorder.close();
  }
};

const main = async () => {
  requireBinary(BIN, "@openai/codex");
  const version = installedVersion("@openai/codex", join(PREFIX, "node_modules")) ?? "unknown";
  const only = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1] : undefined;
  const scenarios = SCENARIOS.filter((s) => only === undefined || s.name === only);
  if (scenarios.length === 0) throw new Error(`no scenario named ${only}; known: ${SCENARIOS.map((s) => s.name).join(", ")}`);
  mkdirSync(OUT_DIR, { recursive: true });
  for (const s of scenarios) for (const file of readdirSync(OUT_DIR)) if (file.startsWith(`${s.name}.`)) rmSync(join(OUT_DIR, file));
  let failed = 0;
  for (const scenario of scenarios) {
    const { ok, summary } = await run(scenario, version);
    console.log(`${ok ? "ok  " : "FAIL"} ${summary}`);
    if (!ok) failed += 1;
  }
  removeStrayTempDirs([`codex-daemon-${process.getuid?.() ?? 0}`]);
  console.log(`${scenarios.length - failed} of ${scenarios.length} scenarios captured cleanly into ${OUT_DIR}`);
  process.exitCode = failed === 0 ? 0 : 1;
};

await main();
