// opencode 1.18.33 (clients.md §3.3) as a real process through the proxy, with its bundled @ai-sdk/openai provider
// (/v1/responses) and @ai-sdk/openai-compatible (/v1/chat/completions): one text turn and one tool turn (`read`)
// each, headless with `opencode run --format json`. Every turn also sends a title request without tools.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RecordedCall } from "../../test/emulator/index.ts";
import { suiteName } from "../support/names.ts";
import { CLIENTS_DIR, PINNED, skipReason, versionLabel } from "../support/paths.ts";
import { describeRun, runClient, tail, withContext } from "../support/processes.ts";
import { createSandbox, parseJsonLines, requireBinary } from "../support/sandbox.ts";
import { describeCalls, MODEL, PROXY_KEY, type Stack } from "../support/stack.ts";
import { createStacks, expectCallAndOutput, issuedCall, waitFor } from "../support/suite.ts";

const PREFIX = join(CLIENTS_DIR, "opencode");
const BIN = join(PREFIX, "node_modules/.bin/opencode");
const VERSION = versionLabel("opencode-ai", join(PREFIX, "node_modules"));
const LIMIT_MS = 120_000;
/** Port 9 (discard) on loopback: nothing listens, so a registry request is refused at once. */
const OFFLINE_REGISTRY = "http://127.0.0.1:9/";
const stacks = createStacks();
after(() => stacks.closeAll());

type Event = Record<string, any>;

const providers = [
  { api: "/v1/responses (@ai-sdk/openai)", npm: "@ai-sdk/openai", path: "/v1/responses" },
  { api: "/v1/chat/completions (@ai-sdk/openai-compatible)", npm: "@ai-sdk/openai-compatible", path: "/v1/chat/completions" },
];

for (const provider of providers) {
  describe(suiteName("opencode", VERSION, provider.api, "node"), { skip: skipReason("OPENCODE") }, () => {
    let stack: Stack;

    /** One `opencode run` in a fresh sandbox; `check` gets the JSONL events, the marker and the main requests. */
    const turn = async (prompt: string, check: (events: Event[], marker: string, main: RecordedCall[]) => void) => {
      requireBinary(BIN, `opencode-ai@${PINNED["opencode-ai"]}`);
      stack = await stacks.get("node");
      stack.emulator.reset();
      const logMark = stack.proxyRequests().length;
      const sandbox = createSandbox("opencode");
      try {
        const config = join(sandbox.root, "opencode.json");
        writeFileSync(
          config,
          JSON.stringify({
            autoupdate: false,
            share: "disabled",
            model: `proxy/${MODEL}`,
            provider: {
              proxy: {
                npm: provider.npm,
                name: "proxy",
                options: { baseURL: stack.baseURL, apiKey: PROXY_KEY },
                models: { [MODEL]: { name: MODEL, tool_call: true } },
              },
            },
          }),
        );
        const env = sandbox.env({
          OPENCODE_CONFIG: config,
          OPENCODE_DISABLE_MODELS_FETCH: "1",
          OPENCODE_DISABLE_AUTOUPDATE: "1",
          OPENCODE_DISABLE_LSP_DOWNLOAD: "1",
          OPENCODE_DISABLE_SHARE: "1",
          // opencode 1.18.33 asks registry.npmjs.org for something on every run even with the switches above (seen
          // with strace); a slow registry then stalls the turn. A closed loopback port keeps it offline and fast.
          NPM_CONFIG_REGISTRY: OFFLINE_REGISTRY,
          BUN_CONFIG_REGISTRY: OFFLINE_REGISTRY,
        });
        const run = await runClient(BIN, ["run", "--format", "json", "-m", `proxy/${MODEL}`, prompt], sandbox.work, env, LIMIT_MS);
        const context = () =>
          `${describeRun(run)}\n--- backend requests ---\n${describeCalls(stack.emulator.calls)}\n--- proxy log ---\n${tail(stack.proxyLog(), 10)}`;
        try {
          assert.equal(run.timedOut, false);
          assert.equal(run.code, 0);
          const events = parseJsonLines(run.stdout);
          assert.deepEqual(
            events.filter((e) => e.type === "error"),
            [],
            "no error events",
          );
          for (const call of stack.emulator.calls) assert.equal(call.status, 200, "every backend request was accepted");
          // The title request carries no tools; the agent's requests carry opencode's tool set.
          const titles = stack.emulator.calls.filter((c) => !(c.body as { tools?: unknown[] }).tools?.length);
          const main = stack.emulator.calls.filter((c) => (c.body as { tools?: unknown[] }).tools?.length);
          assert.equal(titles.length, 1, "one title request");
          // The request log is written when a body ends, so the last line may trail the client's exit a little.
          await waitFor(() => stack.proxyRequests().length - logMark >= stack.emulator.calls.length);
          const paths = stack
            .proxyRequests()
            .slice(logMark)
            .map((r) => `${r.method} ${r.path} ${r.status}`);
          assert.deepEqual(
            paths,
            stack.emulator.calls.map(() => `POST ${provider.path} 200`),
            "the endpoint the provider is meant to use",
          );
          check(events, sandbox.marker, main);
          expectStepUsage(events, main);
        } catch (error) {
          throw withContext(error, context());
        }
      } finally {
        sandbox.remove();
      }
    };

    /** Each step_finish reports the backend usage of its request: input split into fresh + cache read. */
    const expectStepUsage = (events: Event[], main: RecordedCall[]) => {
      const steps = events.filter((e) => e.type === "step_finish").map((e) => e.part.tokens);
      assert.equal(steps.length, main.length, "one step per agent request");
      steps.forEach((tokens, i) => {
        const usage = stack.backendUsage(main[i]!);
        assert.equal(tokens.input + tokens.cache.read, usage.input_tokens, `step ${i + 1} input tokens`);
        assert.equal(tokens.output + tokens.reasoning, usage.output_tokens, `step ${i + 1} output tokens`);
      });
    };

    const texts = (events: Event[]) => events.filter((e) => e.type === "text").map((e) => e.part.text as string);

    test("text turn: the text parts are the scripted text", async () => {
      await turn("Say hello", (events, _marker, main) => {
        assert.equal(texts(events).join(""), "hello");
        assert.equal(main.length, 1, "one agent request");
      });
    });

    test("tool turn: read runs on the marker file and its output comes back to the model", async () => {
      await turn('Read the file. CALL_TOOL read {"filePath":"hello.txt"}', (events, marker, main) => {
        const tools = events.filter((e) => e.type === "tool_use").map((e) => e.part);
        assert.equal(tools.length, 1, JSON.stringify(tools).slice(0, 1500));
        assert.equal(tools[0].tool, "read");
        assert.equal(tools[0].state.status, "completed");
        assert.ok(String(tools[0].state.output).includes(marker), tools[0].state.output);
        const final = texts(events).join("");
        assert.ok(final.startsWith("tool said: ") && final.includes(marker), final);
        assert.equal(main.length, 2, "tool call, then the follow-up");
        assert.equal(expectCallAndOutput(main[1]!, "read"), issuedCall(main[0]!).call_id);
        assert.equal(tools[0].callID, issuedCall(main[0]!).call_id);
      });
    });
  });
}
