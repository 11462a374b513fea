// The emulator against codex-backend.md §13 (late 2026): every request the Codex CLI 0.169 was captured sending is
// accepted as captured (one test per fixture in test/fixtures/codex-cli-0.169/ and its captured/ folder, which
// `npm run capture:codex` rewrites), and the §13 answers: custom_tool_call, namespaced calls, v2 compaction,
// codex.rate_limits and the other new events, the catalogue, rollout-gated models, the §13.6 errors, the retired
// /responses/compact, compressed bodies.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { createEmulator, FIXTURE_ACCOUNT_ID, RATE_LIMITS_SAMPLE, type Emulator, type EmulatorOptions, type ScenarioOptions } from "./emulator/index.ts";

const CLI_DIR = new URL("./fixtures/codex-cli-0.169/", import.meta.url);
const CAPTURED_DIR = new URL("./fixtures/codex-cli-0.169/captured/", import.meta.url);
const AUTH = JSON.parse(readFileSync(new URL("./fixtures/codex/auth.json", import.meta.url), "utf8")) as { tokens: { access_token: string } };
const BASE = "http://emulator.test/backend-api/codex";
const NOW_MS = Date.UTC(2026, 11, 3, 9, 0, 0);

interface CliFixture {
  note: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Record<string, any>;
}

const listFixtures = (dir: URL): string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith(".request.json"))
    .sort();
const readCli = (dir: URL, name: string): CliFixture => JSON.parse(readFileSync(new URL(name, dir), "utf8")) as CliFixture;
const ALL_FIXTURES: Array<[URL, string]> = [
  ...listFixtures(CLI_DIR).map((n): [URL, string] => [CLI_DIR, n]),
  ...listFixtures(CAPTURED_DIR).map((n): [URL, string] => [CAPTURED_DIR, n]),
];
const lite = () => readCli(CLI_DIR, "lite-gpt-5.6-sol.turn1.request.json").body;
const classic = () => readCli(CLI_DIR, "classic-gpt-5.5.turn1.request.json").body;

const authHeaders = (extra: Record<string, string> = {}): Record<string, string> => ({
  authorization: `Bearer ${AUTH.tokens.access_token}`,
  "chatgpt-account-id": FIXTURE_ACCOUNT_ID,
  "content-type": "application/json",
  ...extra,
});

const post = (emu: Emulator, body: unknown, headers: Record<string, string> = authHeaders()): Promise<Response> =>
  emu.fetch(`${BASE}/responses`, { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) });

interface Frame {
  event?: string;
  data?: any;
  comment?: string;
}

/** Every SSE block: comments, `event:` + `data:` frames (data parsed). */
const parseFrames = (text: string): Frame[] =>
  text
    .split("\n\n")
    .filter((block) => block.trim() !== "")
    .map((block) => {
      if (block.startsWith(":")) return { comment: block.slice(1).trim() };
      const frame: Frame = {};
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) frame.event = line.slice(7);
        else if (line.startsWith("data: ")) frame.data = JSON.parse(line.slice(6));
        else assert.fail(`unexpected SSE line: ${line}`);
      }
      return frame;
    });

const streamOf = async (response: Response): Promise<Frame[]> => {
  assert.equal(response.status, 200, "stream status");
  return parseFrames(await response.text());
};
const eventsOf = async (response: Response): Promise<any[]> => (await streamOf(response)).filter((f) => f.data !== undefined).map((f) => f.data);
const doneItems = (events: any[]) => events.filter((e) => e.type === "response.output_item.done").map((e) => e.item);
const numbered = (events: any[]) => events.filter((e) => typeof e.type === "string" && e.type.startsWith("response."));

/** The body of `fixture` with every replayed blob made known, so a fresh emulator can check it (R20). */
const trustBlobs = (emu: Emulator, body: Record<string, any>) => {
  for (const item of body.input ?? []) if (typeof item?.encrypted_content === "string") emu.trustEncryptedContent(item.encrypted_content);
};

describe("captured Codex CLI 0.169 requests are accepted as captured (§13.1, issue 16 item 1)", () => {
  assert.ok(ALL_FIXTURES.length >= 3 + 8, `the three shared captures and the capture script's eight (found ${ALL_FIXTURES.length})`);
  for (const [dir, name] of ALL_FIXTURES) {
    test(name, async () => {
      const fixture = readCli(dir, name);
      assert.equal(fixture.method, "POST");
      assert.equal(fixture.path, "/v1/responses");
      const emu = createEmulator({ now: () => NOW_MS });
      trustBlobs(emu, fixture.body);
      // The CLI's own headers, with the bearer a proxy puts in its place (and no stale content-length).
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(fixture.headers)) if (!["authorization", "content-length", "host"].includes(key)) headers[key] = value;
      const raw = JSON.stringify(fixture.body);
      const response = await post(emu, raw, { ...headers, ...authHeaders() });
      const events = await eventsOf(response);
      assert.equal(events.at(-1)?.type, "response.completed", JSON.stringify(emu.calls[0]?.responseBody));
      assert.equal(emu.calls[0]?.rawBody, raw, "recorded byte for byte");
      for (const key of Object.keys(headers)) assert.equal(emu.calls[0]?.headers[key], headers[key], key);
    });
  }

  test("the shapes are the ones §13.1 describes (so the loop above covers them)", () => {
    const liteBody = lite();
    assert.equal("instructions" in liteBody, false);
    assert.equal("tools" in liteBody, false);
    assert.equal(liteBody.input[0].type, "additional_tools");
    assert.deepEqual(liteBody.reasoning, { effort: "low", context: "all_turns" });
    assert.equal(readCli(CLI_DIR, "lite-gpt-5.6-sol.turn1.request.json").headers["x-openai-internal-codex-responses-lite"], "true");
    const classicBody = classic();
    assert.equal("instructions" in classicBody, false);
    assert.deepEqual([...new Set(classicBody.tools.map((t: { type: string }) => t.type))], ["function", "custom", "tool_search", "web_search"]);
    const turn2 = readCli(CAPTURED_DIR, "classic-gpt-5.5.custom-tool.turn2.request.json").body.input;
    assert.deepEqual(
      turn2.slice(-2).map((i: { type: string; id: string }) => [i.type, i.id.split("_")[0]]),
      [
        ["custom_tool_call", "ctc"],
        ["custom_tool_call_output", "ctco"],
      ],
    );
  });
});

describe("late-2026 answers (§13)", () => {
  const run = async (
    body: unknown,
    options?: ScenarioOptions,
    scenario: Parameters<Emulator["enqueue"]>[0] | null = null,
    emuOptions: EmulatorOptions = {},
  ) => {
    const emu = createEmulator({ now: () => NOW_MS, ...emuOptions });
    if (scenario) emu.enqueue(scenario, options);
    return { emu, response: await post(emu, body) };
  };
  const withPrompt = (body: Record<string, any>, text: string) => ({
    ...body,
    input: [...body.input.slice(0, -1), { type: "message", role: "user", content: [{ type: "input_text", text }] }],
  });

  test("CALL_TOOL naming a custom tool inside Lite additional_tools → one custom_tool_call with the directive's string as input", async () => {
    const { emu, response } = await run(withPrompt(lite(), 'CALL_TOOL exec "text(1 + 1);"'));
    const events = await eventsOf(response);
    assert.equal(emu.calls[0]?.scenario, "custom-tool-call");
    const item = doneItems(events).find((i) => i.type === "custom_tool_call");
    assert.equal(item.name, "exec");
    assert.equal(item.input, "text(1 + 1);");
    assert.match(item.id, /^ctc_/);
    assert.match(item.call_id, /^call_/);
    const deltas = events.filter((e) => e.type === "response.custom_tool_call_input.delta");
    assert.equal(deltas.map((d) => d.delta).join(""), "text(1 + 1);");
    assert.ok(deltas.every((d) => d.item_id === item.id));
    assert.equal(events.find((e) => e.type === "response.custom_tool_call_input.done")?.input, "text(1 + 1);");
    assert.deepEqual(events.at(-1).response.output, []);
  });

  test("a custom_tool_call_output after its call → tool-then-text quoting the output's parts", async () => {
    const body = lite();
    body.input.push(
      { type: "custom_tool_call", id: "ctc_1", status: "completed", call_id: "call_x", name: "exec", input: "text(2)" },
      {
        type: "custom_tool_call_output",
        id: "ctco_1",
        call_id: "call_x",
        output: [
          { type: "input_text", text: "Script completed " },
          { type: "input_text", text: "2" },
        ],
      },
    );
    const { emu, response } = await run(body);
    const events = await eventsOf(response);
    assert.equal(emu.calls[0]?.scenario, "tool-then-text");
    assert.equal(doneItems(events).at(-1).content[0].text, "tool said: Script completed 2");
  });

  test("CALL_TOOL naming a namespaced function → a function_call that names its namespace (§13.1 [REPORTED])", async () => {
    const { response } = await run(withPrompt(lite(), "CALL_TOOL list_agents {}"));
    const call = doneItems(await eventsOf(response)).find((i) => i.type === "function_call");
    assert.equal(call.name, "list_agents");
    assert.equal(call.namespace, "collaboration");
    const classicCall = doneItems(await eventsOf((await run(withPrompt(classic(), 'CALL_TOOL exec_command {"cmd":"ls"}'))).response))[1];
    assert.equal(classicCall.name, "exec_command");
    assert.equal("namespace" in classicCall, false, "top-level tools have none");
  });

  test("compaction (§13.4): a last compaction_trigger item → exactly one compaction item, completed.output []; its replay is accepted, a foreign one is not", async () => {
    const body = classic();
    body.input.push({ type: "compaction_trigger" });
    const { emu, response } = await run(body);
    const events = await eventsOf(response);
    assert.equal(emu.calls[0]?.scenario, "compaction");
    const done = doneItems(events);
    assert.equal(done.length, 1);
    assert.equal(done[0].type, "compaction");
    assert.match(done[0].encrypted_content, /^gAAAA/);
    assert.match(done[0].id, /^cmp_/);
    assert.deepEqual(events.at(-1).response.output, []);
    assert.equal(events.at(-1).type, "response.completed");
    const later = classic();
    later.input.splice(1, 0, done[0]);
    assert.equal((await post(emu, later)).status, 200, "the compaction item replayed as history, id and all");
    const foreign = createEmulator({ now: () => NOW_MS });
    const rejected = await post(foreign, later);
    assert.equal(rejected.status, 400);
    assert.equal((await rejected.json()).error.code, "invalid_encrypted_content");
  });

  test("codex.rate_limits before response.created, without sequence_number; the numbered events still count from 0", async () => {
    const { response } = await run(classic(), { rateLimits: true }, "text");
    const events = await eventsOf(response);
    assert.equal(events[0].type, "codex.rate_limits");
    assert.equal("sequence_number" in events[0], false);
    assert.equal(events[0].rate_limits.primary.window_minutes, RATE_LIMITS_SAMPLE.rate_limits.primary.window_minutes);
    assert.equal(events[0].rate_limits.primary.reset_at, Math.floor(NOW_MS / 1000) + 604739);
    assert.equal(events[0].rate_limits.secondary, null);
    assert.equal(events[1].type, "response.created");
    numbered(events).forEach((e, i) => assert.equal(e.sequence_number, i));
    const custom = await eventsOf(
      (
        await run(
          classic(),
          { rateLimits: { plan_type: "pro", rate_limits: null, additional_rate_limits: { "GPT-5.3-Codex-Spark": { primary: null } } } },
          "text",
        )
      ).response,
    );
    assert.deepEqual(custom[0], {
      type: "codex.rate_limits",
      plan_type: "pro",
      rate_limits: null,
      additional_rate_limits: { "GPT-5.3-Codex-Spark": { primary: null } },
    });
  });

  test("metadata events inside the first item, keepalive event and comment, raw injected frames", async () => {
    const { response } = await run(classic(), { metadataEvents: true, keepalive: true, injectFrames: [{ after: 2, text: 'data: {"foo":1}\n\n' }] }, "text");
    const frames = await streamOf(response);
    const kinds = frames.map((f) => (f.comment !== undefined ? `:${f.comment}` : (f.data?.type ?? JSON.stringify(f.data))));
    assert.deepEqual(kinds.slice(0, 8), [
      "response.created",
      "response.in_progress",
      "keepalive",
      ":keepalive",
      '{"foo":1}',
      "response.output_item.added",
      "response.metadata",
      "codex.response.metadata",
    ]);
    const meta = frames.find((f) => f.data?.type === "codex.response.metadata")?.data;
    assert.equal(meta.headers["openai-model"], "gpt-5.5");
    assert.equal(frames.find((f) => f.data?.foo === 1)?.event, undefined, "the injected frame has no event: line");
  });

  test("gatedModels: a catalogue model the account may not use gets the R9 400 (§13.5)", async () => {
    const emu = createEmulator({ now: () => NOW_MS, gatedModels: ["gpt-6-astra"] });
    const response = await post(emu, { ...classic(), model: "gpt-6-astra" });
    assert.equal(response.status, 400);
    assert.deepEqual(await response.json(), { detail: "The 'gpt-6-astra' model is not supported when using Codex with a ChatGPT account." });
    const catalogue = await emu.fetch(`${BASE}/models?client_version=0.169.0`, { headers: authHeaders() });
    assert.ok(
      (await catalogue.json()).models.some((m: { slug: string }) => m.slug === "gpt-6-astra"),
      "still listed",
    );
  });

  test("§13.6 errors: a 404 with an empty body, a Cloudflare challenge 403", async () => {
    const outage = (await run(classic(), { httpError: "outage-404-empty" }, "http-error")).response;
    assert.equal(outage.status, 404);
    assert.equal(await outage.text(), "");
    assert.equal(outage.headers.get("content-type"), null);
    const blocked = (await run(classic(), { httpError: "cloudflare-challenge-403" }, "http-error")).response;
    assert.equal(blocked.status, 403);
    assert.equal(blocked.headers.get("cf-mitigated"), "challenge");
    assert.match(blocked.headers.get("content-type") ?? "", /^text\/html/);
    assert.match(await blocked.text(), /Just a moment/);
  });

  test("POST {base}/responses/compact → 404 {detail: Not Found}, recorded in otherCalls (§13.4)", async () => {
    const emu = createEmulator({ now: () => NOW_MS });
    const response = await emu.fetch(`${BASE}/responses/compact`, {
      method: "POST",
      headers: authHeaders(),
      body: JSON.stringify({ model: "gpt-5.5", input: [] }),
    });
    assert.equal(response.status, 404);
    assert.deepEqual(await response.json(), { detail: "Not Found" });
    assert.deepEqual(
      emu.otherCalls.map((c) => [c.method, c.path, c.status]),
      [["POST", "/backend-api/codex/responses/compact", 404]],
    );
    assert.equal(emu.calls.length, 0);
  });

  test("a compressed request body gets 415 (§4.1 emulator column); identity is plain JSON", async () => {
    const emu = createEmulator({ now: () => NOW_MS });
    for (const encoding of ["zstd", "gzip"]) {
      const response = await post(emu, JSON.stringify(classic()), authHeaders({ "content-encoding": encoding }));
      assert.equal(response.status, 415);
      assert.deepEqual(await response.json(), { detail: `Unsupported Content-Encoding: ${encoding}` });
    }
    const plain = await post(emu, JSON.stringify(classic()), authHeaders({ "content-encoding": "identity" }));
    assert.equal(plain.status, 200);
    await plain.text();
  });
});
