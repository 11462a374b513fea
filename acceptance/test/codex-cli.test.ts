// The OpenAI Codex CLI 0.169.0 (clients.md §3.2) as a real process through the proxy: a custom provider with
// wire_api = "responses", one text turn and one tool turn (exec_command runs `cat`), headless with `codex exec --json`.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { suiteName } from "../support/names.ts";
import { CLIENTS_DIR, PINNED, skipReason, versionLabel } from "../support/paths.ts";
import { describeRun, runClient, tail, withContext, type ClientRun } from "../support/processes.ts";
import { createSandbox, parseJsonLines, removeStrayTempDirs, requireBinary, type Sandbox } from "../support/sandbox.ts";
import { describeCalls, MODEL, PROXY_KEY, type Stack } from "../support/stack.ts";
import { createStacks, expectCallAndOutput, expectCalls, issuedCall, waitFor } from "../support/suite.ts";

const PREFIX = join(CLIENTS_DIR, "codex");
const BIN = join(PREFIX, "node_modules/.bin/codex");
const VERSION = versionLabel("@openai/codex", join(PREFIX, "node_modules"));
const LIMIT_MS = 120_000;
const stacks = createStacks();

const writeConfig = (sandbox: Sandbox, baseURL: string, model: string): string => {
  const codexHome = join(sandbox.home, ".codex");
  mkdirSync(codexHome, { recursive: true });
  writeFileSync(
    join(codexHome, "config.toml"),
    [
      `model = "${model}"`,
      `model_provider = "proxy"`,
      `approval_policy = "never"`,
      `sandbox_mode = "read-only"`,
      `analytics = { enabled = false }`,
      `feedback = { enabled = false }`,
      `[model_providers.proxy]`,
      `name = "proxy"`,
      `base_url = "${baseURL}"`,
      `env_key = "PROXY_API_KEY"`,
      `wire_api = "responses"`,
      "",
    ].join("\n"),
  );
  return codexHome;
};

describe(suiteName("Codex CLI", VERSION, "/v1/responses (wire_api responses)", "node"), { skip: skipReason("CODEX") }, () => {
  let stack: Stack;
  after(async () => {
    await stacks.closeAll();
    removeStrayTempDirs([`codex-daemon-${process.getuid?.() ?? 0}`]);
  });

  /** One `codex exec` turn in a fresh sandbox; returns the run, its JSONL events and the sandbox marker. */
  const turn = async (prompt: string, check: (run: ClientRun, events: Array<Record<string, any>>, marker: string) => void, model = MODEL) => {
    requireBinary(BIN, `@openai/codex@${PINNED["@openai/codex"]}`);
    stack = await stacks.get("node");
    stack.emulator.reset();
    const logMark = stack.proxyRequests().length;
    const sandbox = createSandbox("codex");
    try {
      const codexHome = writeConfig(sandbox, stack.baseURL, model);
      const env = sandbox.env({ CODEX_HOME: codexHome, PROXY_API_KEY: PROXY_KEY });
      const run = await runClient(BIN, ["exec", "--skip-git-repo-check", "--json", prompt], sandbox.work, env, LIMIT_MS);
      const context = () =>
        `${describeRun(run)}\n--- backend requests ---\n${describeCalls(stack.emulator.calls)}\n--- proxy log ---\n${tail(stack.proxyLog(), 10)}`;
      assert.equal(run.timedOut, false, context());
      assert.equal(run.code, 0, context());
      const events = parseJsonLines(run.stdout);
      try {
        await waitFor(() => stack.proxyRequests().length - logMark >= stack.emulator.calls.length);
        const paths = stack
          .proxyRequests()
          .slice(logMark)
          .map((r) => `${r.method} ${r.path} ${r.status}`);
        assert.deepEqual(
          paths,
          stack.emulator.calls.map(() => "POST /v1/responses 200"),
        );
        check(run, events, sandbox.marker);
      } catch (error) {
        throw withContext(error, context());
      }
    } finally {
      sandbox.remove();
    }
  };

  const items = (events: Array<Record<string, any>>, type: string) =>
    events.filter((e) => e.type === "item.completed" && e.item?.type === type).map((e) => e.item);

  /** turn.completed usage is the sum of what the backend reported for the turn's requests. */
  const expectTurnUsage = (events: Array<Record<string, any>>) => {
    const completed = events.find((e) => e.type === "turn.completed");
    assert.ok(completed, "turn.completed arrived");
    const backend = stack.emulator.calls.map((call) => stack.backendUsage(call));
    assert.equal(
      completed.usage.input_tokens,
      backend.reduce((n, u) => n + u.input_tokens, 0),
      "input_tokens summed over the turn",
    );
    assert.equal(
      completed.usage.output_tokens,
      backend.reduce((n, u) => n + u.output_tokens, 0),
      "output_tokens summed over the turn",
    );
    assert.equal(
      events.some((e) => e.type === "turn.failed"),
      false,
    );
  };

  test("text turn: the agent message is the scripted text", async () => {
    await turn("Say hello", (_run, events) => {
      assert.equal(items(events, "agent_message").at(-1)?.text, "hello");
      const [call] = expectCalls(stack.emulator.calls, 1);
      assert.equal((call!.body as { stream?: boolean }).stream, true);
      expectTurnUsage(events);
    });
  });

  // Current models (issue 16 item 9): a Responses Lite one and a classic one, their requests passed through as sent.
  test("Lite model gpt-5.6-sol: a text turn in the Lite shape goes through as sent", async () => {
    await turn(
      "Say hello",
      (_run, events) => {
        assert.equal(items(events, "agent_message").at(-1)?.text, "hello");
        const [call] = expectCalls(stack.emulator.calls, 1);
        const body = call!.body as Record<string, any>;
        assert.equal(call!.headers["x-openai-internal-codex-responses-lite"], "true", "the Lite header reached the backend");
        assert.equal(body.instructions, undefined, "no instructions added to a Lite request");
        assert.equal(body.tools, undefined, "no tools key added");
        assert.equal(body.input[0].type, "additional_tools", "its additional_tools item first, untouched");
        expectTurnUsage(events);
      },
      "gpt-5.6-sol",
    );
  });

  test("Lite model gpt-5.6-sol: a custom tool round trip (exec), custom_tool_call out and its output back", async () => {
    const source = "const r = await tools.exec_command({cmd: 'cat hello.txt'}); text(r);";
    await turn(
      `Show me the file. CALL_TOOL exec ${JSON.stringify(source)}`,
      (_run, events, marker) => {
        const [first, second] = expectCalls(stack.emulator.calls, 2);
        const issued = (first!.output ?? []).find((item: any) => item?.type === "custom_tool_call") as Record<string, any> | undefined;
        assert.ok(issued, "the emulator issued a custom_tool_call");
        const back = ((second!.body as Record<string, any>).input as Array<Record<string, any>>).find((item) => item.type === "custom_tool_call_output");
        assert.ok(back, "its output came back");
        assert.equal(back.call_id, issued.call_id);
        const final = items(events, "agent_message").at(-1)?.text ?? "";
        assert.ok(final.startsWith("tool said: ") && final.includes(marker), final);
      },
      "gpt-5.6-sol",
    );
  });

  test("classic model gpt-5.5: a text turn with its developer messages and tools, passed through", async () => {
    await turn(
      "Say hello",
      (_run, events) => {
        assert.equal(items(events, "agent_message").at(-1)?.text, "hello");
        const [call] = expectCalls(stack.emulator.calls, 1);
        const body = call!.body as Record<string, any>;
        assert.equal(body.model, "gpt-5.5");
        // CLI 0.169 sends its instructions as developer messages (§13.1): they reach the backend as items, not folded.
        assert.ok(
          body.input.some((item: Record<string, any>) => item.role === "developer"),
          "developer items kept",
        );
        assert.equal(body.instructions, undefined, "nothing folded into instructions");
        assert.ok(Array.isArray(body.tools) && body.tools.length > 0);
        assert.equal(call!.headers.originator, "codex_exec", "the CLI's own originator reached the backend");
        expectTurnUsage(events);
      },
      "gpt-5.5",
    );
  });

  test("tool turn: exec_command runs cat and the output comes back to the model", async () => {
    await turn('Show me the file. CALL_TOOL exec_command {"cmd":"cat hello.txt"}', (_run, events, marker) => {
      const commands = items(events, "command_execution");
      assert.equal(commands.length, 1, JSON.stringify(commands));
      assert.match(commands[0].command, /cat hello\.txt/);
      assert.equal(commands[0].exit_code, 0);
      assert.ok(commands[0].aggregated_output.includes(marker), commands[0].aggregated_output);
      const final = items(events, "agent_message").at(-1)?.text ?? "";
      assert.ok(final.startsWith("tool said: ") && final.includes(marker), final);
      const [first, second] = expectCalls(stack.emulator.calls, 2);
      assert.equal(expectCallAndOutput(second!, "exec_command"), issuedCall(first!).call_id);
      expectTurnUsage(events);
    });
  });
});
