// Claude Code 2.1.332 (docs/anthropic.md) as a real process through the proxy's Messages dialect: headless
// `claude -p --output-format json`, one text turn and one tool turn (Read on the sandbox's marker file). CI runs as
// root, where --dangerously-skip-permissions exits 1, so the tool is allowed with --allowedTools instead.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { suiteName } from "../support/names.ts";
import { CLIENTS_DIR, PINNED, skipReason, versionLabel } from "../support/paths.ts";
import { describeRun, runClient, tail, withContext, type ClientRun } from "../support/processes.ts";
import { createSandbox, requireBinary } from "../support/sandbox.ts";
import { describeCalls, PROXY_KEY, type Stack } from "../support/stack.ts";
import { createStacks, expectCallAndOutput, expectCalls, issuedCall, waitFor } from "../support/suite.ts";

const PREFIX = join(CLIENTS_DIR, "claude-code");
const BIN = join(PREFIX, "node_modules/.bin/claude");
const VERSION = versionLabel("@anthropic-ai/claude-code", join(PREFIX, "node_modules"));
const LIMIT_MS = 120_000;
const stacks = createStacks();

describe(suiteName("Claude Code", VERSION, "/v1/messages (claude -p)", "node"), { skip: skipReason("CLAUDE_CODE") }, () => {
  let stack: Stack;
  after(() => stacks.closeAll());

  /** One `claude -p` turn in a fresh sandbox; returns its parsed JSON result to `check`. */
  const turn = async (prompt: string, extraArgs: string[], check: (result: Record<string, any>, marker: string, run: ClientRun) => void) => {
    requireBinary(BIN, `@anthropic-ai/claude-code@${PINNED["@anthropic-ai/claude-code"]}`);
    stack = await stacks.get("node");
    stack.emulator.reset();
    const logMark = stack.proxyRequests().length;
    const sandbox = createSandbox("claude-code");
    try {
      const env = sandbox.env({
        ANTHROPIC_BASE_URL: stack.baseURL.replace(/\/v1$/, ""),
        ANTHROPIC_AUTH_TOKEN: PROXY_KEY,
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
        DISABLE_AUTOUPDATER: "1",
      });
      const run = await runClient(BIN, ["-p", prompt, "--output-format", "json", ...extraArgs], sandbox.work, env, LIMIT_MS);
      const context = () =>
        `${describeRun(run)}\n--- backend requests ---\n${describeCalls(stack.emulator.calls)}\n--- proxy log ---\n${tail(stack.proxyLog(), 10)}`;
      assert.equal(run.timedOut, false, context());
      assert.equal(run.code, 0, context());
      try {
        const result = JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "") as Record<string, any>;
        await waitFor(() => stack.proxyRequests().length - logMark >= stack.emulator.calls.length);
        const paths = stack
          .proxyRequests()
          .slice(logMark)
          .map((r) => `${r.method} ${r.path} ${r.status}`);
        assert.deepEqual(
          paths,
          stack.emulator.calls.map(() => "POST /v1/messages 200"),
        );
        check(result, sandbox.marker, run);
      } catch (error) {
        throw withContext(error, context());
      }
    } finally {
      sandbox.remove();
    }
  };

  test("text turn: the result is the scripted text, with the backend's usage", async () => {
    await turn("Say hello", [], (result) => {
      assert.equal(result.type, "result");
      assert.equal(result.is_error, false, JSON.stringify(result));
      assert.equal(result.result, "hello");
      const [call] = expectCalls(stack.emulator.calls, 1);
      const body = call!.body as { instructions?: string; input?: Array<{ role?: string }> };
      assert.ok(!body.instructions?.includes("x-anthropic-billing-header"), "the billing header is dropped");
      assert.ok(
        body.input?.every((item) => item.role !== "system"),
        "no system items upstream",
      );
      const backend = stack.backendUsage(call!);
      assert.equal(result.usage.output_tokens, backend.output_tokens);
    });
  });

  test("tool turn: Read returns the marker file and the final result quotes it", async () => {
    await turn('Show me hello.txt. CALL_TOOL Read {"file_path":"./hello.txt"}', ["--allowedTools", "Read"], (result, marker) => {
      assert.equal(result.is_error, false, JSON.stringify(result));
      assert.ok(String(result.result).startsWith("tool said: ") && String(result.result).includes(marker), String(result.result));
      const [first, second] = expectCalls(stack.emulator.calls, 2);
      assert.equal(expectCallAndOutput(second!, "Read"), issuedCall(first!).call_id);
    });
  });
});
