// Compaction v2 (issue 16 item 5; docs/backend.md §13.4): a `compaction_trigger` turn passes through and its one
// `compaction` item reaches the client once, streamed and not; a later turn replaying it is accepted; and
// POST /v1/responses/compact, whose backend endpoint is gone, is answered by a v2 compaction upstream.
import { describe, test, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createHarness, readSse, type Harness } from "./support/harness.ts";

type Json = Record<string, any>;
const history = [
  { type: "message", role: "user", content: [{ type: "input_text", text: "a long conversation" }] },
  { type: "message", role: "assistant", content: [{ type: "output_text", text: "indeed" }] },
];
const trigger = { type: "compaction_trigger" };
const OFFICIAL = { originator: "codex_exec", "user-agent": "codex_exec/0.169.0 (Debian 12.0.0; x86_64) xterm (codex_exec; 0.169.0)" };

describe("compaction v2", () => {
  let h: Harness;
  afterEach(() => h?.close());

  for (const [who, headers] of [
    ["another client", {}],
    ["the official client", OFFICIAL],
  ] as const) {
    test(`${who}: a compaction_trigger stream carries exactly one compaction item, and response.completed.output holds it once`, async () => {
      h = createHarness();
      const body = { model: "gpt-5.5", instructions: "be brief", input: [...history, trigger], stream: true, store: false };
      const frames = await readSse(await h.post("/v1/responses", body, { headers }));
      const done = frames.filter((f) => f.event === "response.output_item.done").map((f) => (f.data as Json).item);
      assert.deepEqual(
        done.map((item: Json) => item.type),
        ["compaction"],
      );
      assert.match(done[0].encrypted_content, /^gAAAA/);
      const completed = frames.find((f) => f.event === "response.completed")?.data as Json;
      assert.deepEqual(completed.response.output, done);
      assert.equal((h.emulator.calls.at(-1)?.body as Json).input.at(-1).type, "compaction_trigger");
    });
  }

  test("stream: false: the output is the one compaction item; a later turn replaying it is accepted", async () => {
    h = createHarness();
    const response = await h.post("/v1/responses", { model: "gpt-5.5", instructions: "be brief", input: [...history, trigger] });
    assert.equal(response.status, 200);
    const output = ((await response.json()) as Json).output;
    assert.deepEqual(
      output.map((item: Json) => item.type),
      ["compaction"],
    );
    const next = await h.post("/v1/responses", {
      model: "gpt-5.5",
      instructions: "be brief",
      input: [output[0], { type: "message", role: "user", content: [{ type: "input_text", text: "go on" }] }],
    });
    assert.equal(next.status, 200, await next.clone().text());
    const sent = h.emulator.calls.at(-1)?.body as Json;
    assert.equal(sent.input[0].type, "compaction");
    assert.equal(sent.input[0].encrypted_content, output[0].encrypted_content);
  });

  test("POST /v1/responses/compact runs a v2 compaction upstream and answers {output: [the compaction item]}", async () => {
    h = createHarness();
    const response = await h.post("/v1/responses/compact", { model: "gpt-5.5", instructions: "be brief", input: history });
    assert.equal(response.status, 200, await response.clone().text());
    const body = (await response.json()) as Json;
    assert.deepEqual(
      body.output.map((item: Json) => item.type),
      ["compaction"],
    );
    const call = h.emulator.calls.at(-1) as { path: string; body: Json };
    assert.match(call.path, /\/responses$/, "the ordinary endpoint, not the retired /responses/compact");
    assert.equal(call.body.stream, true);
    assert.deepEqual(call.body.input.at(-1), trigger);
    assert.equal(call.body.input.length, history.length + 1);
  });

  test("POST /v1/responses/compact refuses a malformed body with the usual 400 and sends nothing upstream", async () => {
    h = createHarness();
    const response = await h.post("/v1/responses/compact", { input: 5 });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as Json).error.param, "input");
    assert.equal(h.emulator.calls.length, 0);
  });
});
