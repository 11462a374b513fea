// The Codex backend emulator against its spec (docs/backend.md §12): rules R1–R22 one at a time, the fixture
// requests, every scenario's event grammar, usage B7, the token endpoint §12.3, and aborts over a real socket.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createEmulator, type Emulator, type EmulatorOptions, type ScenarioName, type ScenarioOptions } from "./emulator/index.ts";
import { makeJwt, readJwtPayload } from "./support/jwt.ts";
import { serveEmulator } from "./support/serve-emulator.ts";
import { readUntilError } from "./support/read-until-error.ts";

// ---------------------------------------------------------------------------------------------------------------
// Fixtures and helpers (independent of the emulator's own code)

const FIXTURES = new URL("./fixtures/codex/", import.meta.url);
const readText = (name: string): string => readFileSync(new URL(name, FIXTURES), "utf8");
const readJson = <T = any>(name: string): T => JSON.parse(readText(name)) as T;

interface AuthFile {
  tokens: { access_token: string; refresh_token: string; id_token: string; account_id: string | null };
}
const AUTH = readJson<AuthFile>("auth.json");
const EXPIRED_AUTH = readJson<AuthFile>("auth-expired.json");
const ACCOUNT = "3f6b1c2e-8d4a-4f0b-9c7e-5a1d2b3c4e5f";
const HTTP_ERRORS = readJson<Array<{ name: string; status: number; headers: Record<string, string>; body: any }>>("http-errors.json");
const httpError = (name: string) => {
  const entry = HTTP_ERRORS.find((e) => e.name === name);
  assert.ok(entry, `http-errors.json has ${name}`);
  return entry;
};
const REQUEST_FIXTURES = ["text", "reasoning-text", "tool-call", "tool-then-text", "text-then-tool", "parallel-tool-calls"] as const;
const requestFixture = (name: string): Record<string, any> => readJson(`${name}.request.json`);

/** 2026-07-20T10:00:00Z, the fixtures' `created_at` era. */
const NOW_MS = 1784541600_000;
const NOW_SEC = NOW_MS / 1000;
const fixedClock = () => NOW_MS;
const BASE = "http://emulator.test/backend-api/codex";

const authHeaders = (token = AUTH.tokens.access_token, account: string | null = ACCOUNT): Record<string, string> => ({
  authorization: `Bearer ${token}`,
  ...(account === null ? {} : { "ChatGPT-Account-ID": account }),
  "content-type": "application/json",
});

/** POSTs a JSON body to {base}/responses with valid fixture credentials unless `headers` replaces them. */
function post(emu: Emulator, body: unknown, headers: Record<string, string> = authHeaders(), init: RequestInit = {}): Promise<Response> {
  return emu.fetch(`${BASE}/responses`, {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
    ...init,
  });
}

interface Frame {
  event: string | undefined;
  data: any;
}

/** Splits an LF-framed SSE text into frames and parses each `data:` payload. */
function parseSse(text: string): Frame[] {
  return text
    .split("\n\n")
    .filter((chunk) => chunk.trim() !== "")
    .map((chunk) => {
      let event: string | undefined;
      const data: string[] = [];
      for (const line of chunk.split("\n")) {
        if (line.startsWith("event: ")) event = line.slice(7);
        else if (line.startsWith("data: ")) data.push(line.slice(6));
        else assert.fail(`unexpected SSE line: ${line}`);
      }
      return { event, data: JSON.parse(data.join("\n")) };
    });
}

async function events(response: Response): Promise<any[]> {
  assert.equal(response.status, 200, "stream status");
  const frames = parseSse(await response.text());
  for (const f of frames) assert.equal(f.event, f.data.type, "event: line repeats data.type");
  return frames.map((f) => f.data);
}

async function expectRejection(response: Response, status: number, body: unknown): Promise<void> {
  assert.equal(response.status, status);
  assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
  assert.deepEqual(await response.json(), body);
}

const TERMINALS = new Set(["response.completed", "response.incomplete", "response.failed", "error"]);

/**
 * §5.3 grammar: created → in_progress → items (one open at a time, output_index 0,1,2…, inner events naming the
 * open item) → at most one terminal event, last. `numbered` also demands sequence_number 0,1,2….
 */
function checkGrammar(list: any[], expectTerminal: string | null, numbered = true): void {
  if (numbered) list.forEach((e, i) => assert.equal(e.sequence_number, i, `sequence_number of event ${i}`));
  else for (const e of list) assert.equal("sequence_number" in e, false);
  assert.equal(list[0]?.type, "response.created");
  if (numbered) assert.equal(list[1]?.type, "response.in_progress");
  const terminals = list.filter((e) => TERMINALS.has(e.type));
  if (expectTerminal === null) assert.equal(terminals.length, 0, "no terminal event");
  else {
    assert.equal(terminals.length, 1, "exactly one terminal event");
    assert.equal(list.at(-1).type, expectTerminal, "the terminal event is last");
  }
  if (!numbered) return;
  let open: { index: number; id: string } | null = null;
  let nextIndex = 0;
  for (const e of list.slice(2)) {
    if (TERMINALS.has(e.type)) break;
    if (e.type === "response.output_item.added") {
      assert.equal(open, null, "an item closes before the next starts");
      assert.equal(e.output_index, nextIndex);
      open = { index: e.output_index, id: e.item.id };
    } else if (e.type === "response.output_item.done") {
      assert.ok(open, "done follows added");
      assert.equal(e.output_index, open.index);
      assert.equal(e.item.id, open.id);
      open = null;
      nextIndex += 1;
    } else {
      assert.ok(open, `${e.type} inside an item`);
      assert.equal(e.output_index, open.index);
      assert.equal(e.item_id, open.id);
    }
  }
  if (expectTerminal === "response.completed" || expectTerminal === "response.incomplete") assert.equal(open, null, "all items closed");
}

const doneItems = (list: any[]) => list.filter((e) => e.type === "response.output_item.done").map((e) => e.item);
const deltaText = (list: any[]) =>
  list
    .filter((e) => e.type === "response.output_text.delta")
    .map((e) => e.delta)
    .join("");

/** Polls a condition every 10 ms, at most 5 s (a bound, not a timing assertion). */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i += 1) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** A valid body (text.request.json) with fields replaced; `undefined` deletes a key. */
function bodyWith(patch: Record<string, unknown>, base: Record<string, any> = requestFixture("text")): Record<string, unknown> {
  const body: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) delete body[key];
    else body[key] = value;
  }
  return body;
}

const user = (text: string) => ({ type: "message", role: "user", content: [{ type: "input_text", text }] });
const assistant = (text: string) => ({ type: "message", role: "assistant", content: [{ type: "output_text", text }] });
const call = (callId: string, name = "get_weather", args = '{"location":"Lisbon"}') => ({ type: "function_call", call_id: callId, name, arguments: args });
const output = (callId: string, text: string) => ({ type: "function_call_output", call_id: callId, output: text });
const WEATHER_TOOL = requestFixture("tool-call").tools[0];

// ---------------------------------------------------------------------------------------------------------------

describe("support/jwt.ts", () => {
  test("makeJwt reproduces the fixture header and signature segments; readJwtPayload reads the fixture claims", () => {
    const [header, , signature] = AUTH.tokens.access_token.split(".");
    const made = makeJwt({ sub: "x" }).split(".");
    assert.equal(made[0], header);
    assert.equal(made[2], signature);
    assert.deepEqual(readJwtPayload(makeJwt({ a: 1, b: "é" })), { a: 1, b: "é" });
    const claims = readJwtPayload(AUTH.tokens.access_token);
    assert.equal((claims["https://api.openai.com/auth"] as any).chatgpt_account_id, ACCOUNT);
    assert.equal(claims.exp, 4102444800);
    assert.throws(() => readJwtPayload("not-a-jwt"));
  });
});

describe("R1–R3: routes and auth (§12.1)", () => {
  const emu = createEmulator({ now: fixedClock });
  const valid = requestFixture("text");

  test("R1: unknown path, or a known path with another method → 404 Not Found, before any auth check", async () => {
    for (const [method, url] of [
      ["GET", `${BASE}/responses`],
      ["POST", `${BASE}/responses/compact`],
      ["POST", "http://emulator.test/v1/responses"],
      ["GET", "http://emulator.test/oauth/token"],
    ] as const) {
      const response = await emu.fetch(url, { method, ...(method === "POST" ? { body: "{}" } : {}) });
      await expectRejection(response, 404, { detail: "Not Found" });
    }
  });

  test("R2: no bearer, or a token the emulator never issued → 401 Unauthorized", async () => {
    const entry = httpError("unauthorized-missing");
    await expectRejection(await post(emu, valid, { "content-type": "application/json", "ChatGPT-Account-ID": ACCOUNT }), entry.status, entry.body);
    const foreign = makeJwt({ exp: 4102444800, "https://api.openai.com/auth": { chatgpt_account_id: ACCOUNT } });
    await expectRejection(await post(emu, valid, authHeaders(foreign)), 401, { detail: "Unauthorized" });
    await expectRejection(await post(emu, valid, { ...authHeaders(), authorization: `Basic ${AUTH.tokens.access_token}` }), 401, { detail: "Unauthorized" });
  });

  test("R2b: an expired access token → the token_expired body (auth-expired.json, and a minted token once the clock passes exp)", async () => {
    const entry = httpError("token-expired");
    await expectRejection(await post(emu, valid, authHeaders(EXPIRED_AUTH.tokens.access_token)), entry.status, entry.body);
    const clock = { now: NOW_MS };
    const timed = createEmulator({ now: () => clock.now });
    const minted = timed.mintTokens({ expiresInSeconds: 60 });
    assert.equal((await post(timed, valid, authHeaders(minted.accessToken))).status, 200);
    clock.now += 60_000;
    await expectRejection(await post(timed, valid, authHeaders(minted.accessToken)), entry.status, entry.body);
  });

  test("R2c: a token invalidated through the API → the token_invalidated body", async () => {
    const local = createEmulator({ now: fixedClock });
    const minted = local.mintTokens();
    assert.equal((await post(local, valid, authHeaders(minted.accessToken))).status, 200);
    local.invalidateAccessToken(minted.accessToken);
    const entry = httpError("token-invalidated");
    await expectRejection(await post(local, valid, authHeaders(minted.accessToken)), entry.status, entry.body);
  });

  test("R3: ChatGPT-Account-ID missing or naming another account → 401; any header case works", async () => {
    await expectRejection(await post(emu, valid, authHeaders(undefined, null)), 401, { detail: "Unauthorized" });
    await expectRejection(await post(emu, valid, authHeaders(undefined, "00000000-0000-0000-0000-000000000000")), 401, { detail: "Unauthorized" });
    const lower = { authorization: `Bearer ${AUTH.tokens.access_token}`, "chatgpt-account-id": ACCOUNT, "content-type": "application/json" };
    assert.equal((await post(emu, valid, lower)).status, 200);
    const lenient = createEmulator({ now: fixedClock, requireAccountId: false });
    assert.equal((await post(lenient, valid, authHeaders(undefined, null))).status, 200);
    await expectRejection(await post(lenient, valid, authHeaders(undefined, "someone-else")), 401, { detail: "Unauthorized" });
  });

  test("R3 compares with the token's own claim: a token minted for another account needs that account", async () => {
    const local = createEmulator({ now: fixedClock });
    const other = local.mintTokens({ accountId: "acct-other" });
    await expectRejection(await post(local, valid, authHeaders(other.accessToken)), 401, { detail: "Unauthorized" });
    assert.equal((await post(local, valid, authHeaders(other.accessToken, "acct-other"))).status, 200);
  });
});

describe("R4–R22: request body rules, one violation at a time (§12.1)", () => {
  const emu = createEmulator({ now: fixedClock });
  const send = (body: unknown, headers?: Record<string, string>) => post(emu, body, headers);
  const envelope = (message: string, param: string | null, code: string | null) => ({
    error: { message, type: "invalid_request_error", param, code },
  });
  const expectEntry = async (body: unknown, name: string) => {
    const entry = httpError(name);
    await expectRejection(await send(body), entry.status, entry.body);
  };

  test("R4: the media type must be application/json (parameters allowed) and the body a JSON object", async () => {
    const invalid = { detail: "Invalid JSON body" };
    const text = JSON.stringify(requestFixture("text"));
    await expectRejection(await send(text, { ...authHeaders(), "content-type": "text/plain" }), 400, invalid);
    await expectRejection(await send("{not json", authHeaders()), 400, invalid);
    await expectRejection(await send("[1,2]", authHeaders()), 400, invalid);
    assert.equal((await send(text, { ...authHeaders(), "content-type": "application/json; charset=utf-8" })).status, 200);
  });

  test("R5/R6: stream must be true and store false (missing values fail too)", async () => {
    await expectEntry(bodyWith({ stream: false }), "stream-not-true");
    await expectEntry(bodyWith({ stream: undefined }), "stream-not-true");
    await expectEntry(bodyWith({ store: true }), "store-not-false");
    await expectEntry(bodyWith({ store: undefined }), "store-not-false");
  });

  test("R7 (late 2026, default, §13.1): instructions may be absent next to a developer message; present ones must be non-blank", async () => {
    await expectEntry(bodyWith({ instructions: undefined }), "instructions-missing");
    const developer = { type: "message", role: "developer", content: [{ type: "input_text", text: "You are Codex." }] };
    assert.equal((await send(bodyWith({ instructions: undefined, input: [developer, user("hi")] }))).status, 200);
    await expectEntry(bodyWith({ instructions: "   ", input: [developer, user("hi")] }), "instructions-missing");
    await expectEntry(bodyWith({ instructions: null, input: [developer, user("hi")] }), "instructions-missing");
    await expectEntry(bodyWith({ instructions: undefined, input: [assistant("a"), user("hi")] }), "instructions-missing");
  });

  test("R7 (April 2026 and earlier): instructions per mode (§4.5)", async () => {
    const april = createEmulator({ now: fixedClock, instructionsMode: "required-nonempty" });
    const developer = { type: "message", role: "developer", content: [{ type: "input_text", text: "You are Codex." }] };
    for (const patch of [
      { instructions: undefined },
      { instructions: "   " },
      { instructions: null },
      { instructions: undefined, input: [developer, user("hi")] },
    ]) {
      const entry = httpError("instructions-missing");
      await expectRejection(await post(april, bodyWith(patch)), entry.status, entry.body);
    }
    const present = createEmulator({ now: fixedClock, instructionsMode: "required-present" });
    assert.equal((await post(present, bodyWith({ instructions: "" }))).status, 200);
    await expectRejection(await post(present, bodyWith({ instructions: undefined })), 400, { detail: "Instructions are required" });
    const strict = createEmulator({ now: fixedClock, instructionsMode: "must-match:You are Codex." });
    const notValid = httpError("instructions-not-valid");
    await expectRejection(await post(strict, bodyWith({})), notValid.status, notValid.body);
    assert.equal((await post(strict, bodyWith({ instructions: "You are Codex." }))).status, 200);
    const off = createEmulator({ now: fixedClock, instructionsMode: "off" });
    assert.equal((await post(off, bodyWith({ instructions: undefined }))).status, 200);
  });

  test("R8: any key outside the §4.3 allow-list; the first offender in body order", async () => {
    await expectEntry(bodyWith({ max_output_tokens: 100 }), "unsupported-parameter");
    await expectRejection(await send(bodyWith({ temperature: 1, max_output_tokens: 5 })), 400, { detail: "Unsupported parameter: temperature" });
    await expectRejection(await send(bodyWith({ previous_response_id: "resp_1" })), 400, { detail: "Unsupported parameter: previous_response_id" });
    const allKeys = bodyWith({ service_tier: "priority", client_metadata: { a: "b" }, include: [], reasoning: null, text: {} });
    assert.equal((await send(allKeys)).status, 200);
    // late 2026 (§13 preamble [REPORTED]): the CLI sends stream_options on its ChatGPT path
    assert.equal((await send(bodyWith({ stream_options: { include_obfuscation: false } }))).status, 200);
  });

  test("R9: the model must be in the allow-list ('' when missing or not a string)", async () => {
    await expectEntry(bodyWith({ model: "gpt-4o" }), "model-not-supported");
    const missing = "The '' model is not supported when using Codex with a ChatGPT account.";
    await expectRejection(await send(bodyWith({ model: undefined })), 400, { detail: missing });
    await expectRejection(await send(bodyWith({ model: 5 })), 400, { detail: missing });
    const custom = createEmulator({ now: fixedClock, models: { "gpt-4o-mini": ["low"] } });
    assert.equal((await post(custom, bodyWith({ model: "gpt-4o-mini" }))).status, 200);
    assert.equal((await post(custom, bodyWith({}))).status, 400, "gpt-5.4 is not in a custom list");
  });

  test("R10: reasoning.effort must be allowed for the model, listed in the none…ultra order; ultra never on the wire (§13.1)", async () => {
    await expectEntry(bodyWith({ reasoning: { effort: "minimal" } }), "effort-unsupported");
    await expectRejection(
      await send(bodyWith({ model: "gpt-5.4-mini", reasoning: { effort: "none" } })),
      400,
      envelope(
        "Unsupported value: 'none' is not supported with the 'gpt-5.4-mini' model. Supported values are: 'low', 'medium', 'high', and 'xhigh'.",
        "reasoning.effort",
        "unsupported_value",
      ),
    );
    for (const [model, effort] of [
      ["gpt-5.4", "none"],
      ["gpt-5.6-sol", "max"],
      ["gpt-6.1-sol", "max"],
      ["gpt-6-astra", "low"],
      ["gpt-5.6-luna", "max"],
      ["gpt-5.2-codex", "xhigh"],
    ]) {
      assert.equal((await send(bodyWith({ model, reasoning: { effort } }))).status, 200, `${model} ${effort}`);
    }
    await expectRejection(
      await send(bodyWith({ model: "gpt-5.6-luna", reasoning: { effort: "ultra" } })),
      400,
      envelope(
        "Unsupported value: 'ultra' is not supported with the 'gpt-5.6-luna' model. Supported values are: 'low', 'medium', 'high', 'xhigh', and 'max'.",
        "reasoning.effort",
        "unsupported_value",
      ),
    );
    // §13.1 [REPORTED]: ultra is a catalogue level that the CLI sends as max; gpt-6-astra rejects none
    assert.equal((await send(bodyWith({ model: "gpt-5.6-sol", reasoning: { effort: "ultra" } }))).status, 400);
    await expectRejection(
      await send(bodyWith({ model: "gpt-6-astra", reasoning: { effort: "none" } })),
      400,
      envelope(
        "Unsupported value: 'none' is not supported with the 'gpt-6-astra' model. Supported values are: 'low', 'medium', 'high', 'xhigh', and 'max'.",
        "reasoning.effort",
        "unsupported_value",
      ),
    );
  });

  test("R11: text.verbosity is only medium on *codex* slugs, low/medium/high elsewhere", async () => {
    const custom = createEmulator({ now: fixedClock, models: { "gpt-5.1-codex-max": ["low", "medium", "high", "xhigh"], "gpt-5.4": ["low"] } });
    const entry = httpError("verbosity-unsupported");
    await expectRejection(await post(custom, bodyWith({ model: "gpt-5.1-codex-max", text: { verbosity: "low" } })), entry.status, entry.body);
    assert.equal((await post(custom, bodyWith({ model: "gpt-5.1-codex-max", text: { verbosity: "medium" } }))).status, 200);
    assert.equal((await post(custom, bodyWith({ text: { verbosity: "low" } }))).status, 200);
    await expectRejection(
      await post(custom, bodyWith({ text: { verbosity: "max" } })),
      400,
      envelope(
        "Unsupported value: 'max' is not supported with the 'gpt-5.4' model. Supported values are: 'low', 'medium', and 'high'.",
        "text.verbosity",
        "unsupported_value",
      ),
    );
  });

  test("R12: input must be an array (a string or a missing input is refused)", async () => {
    const expected = envelope("Invalid type for 'input': expected an array of input items.", "input", "invalid_type");
    await expectRejection(await send(bodyWith({ input: "hello" })), 400, expected);
    await expectRejection(await send(bodyWith({ input: undefined })), 400, expected);
  });

  test("R13: no role:system item, typed or shorthand", async () => {
    await expectEntry(bodyWith({ input: [{ role: "system", content: "be nice" }, user("hi")] }), "system-message");
    await expectEntry(bodyWith({ input: [user("hi"), { type: "message", role: "system", content: [] }] }), "system-message");
  });

  test("R14: known item types and message roles", async () => {
    await expectEntry(bodyWith({ input: [user("a"), assistant("b"), user("c"), { role: "tool", content: "x" }] }), "role-tool");
    const types =
      "'message', 'function_call', 'function_call_output', 'reasoning', 'custom_tool_call', 'custom_tool_call_output', 'local_shell_call', 'web_search_call', 'image_generation_call', 'tool_search_call', 'tool_search_output', 'compaction', 'item_reference', 'additional_tools', and 'compaction_trigger'";
    await expectRejection(
      await send(bodyWith({ input: [user("a"), { type: "input_text", text: "x" }] })),
      400,
      envelope(`Invalid value: 'input_text'. Supported values are: ${types}.`, "input[1]", "invalid_value"),
    );
    await expectRejection(
      await send(bodyWith({ input: [{ content: "no type, no role" }] })),
      400,
      envelope(`Invalid value: ''. Supported values are: ${types}.`, "input[0]", "invalid_value"),
    );
    await expectRejection(
      await send(bodyWith({ input: [{ type: "message", content: [] }] })),
      400,
      envelope("Invalid value: ''. Supported values are: 'assistant', 'system', 'developer', and 'user'.", "input[0]", "invalid_value"),
    );
    assert.equal(
      (
        await send(
          bodyWith({
            input: [
              { role: "developer", content: "d" },
              { role: "user", content: "u" },
            ],
          }),
        )
      ).status,
      200,
    );
  });

  test("R15: content part types per role, and replayed web_search_call actions", async () => {
    await expectEntry(
      bodyWith({ input: [user("a"), user("b"), { type: "message", role: "assistant", content: [{ type: "input_text", text: "x" }] }] }),
      "assistant-input-text",
    );
    await expectRejection(
      await send(
        bodyWith({
          input: [
            {
              type: "message",
              role: "developer",
              content: [
                { type: "input_text", text: "a" },
                { type: "output_text", text: "b" },
              ],
            },
          ],
        }),
      ),
      400,
      envelope("Invalid value: 'output_text'. Supported values are: 'input_text', 'input_image', and 'input_file'.", "input[0].content[1]", "invalid_value"),
    );
    const search = (type: string) => ({ type: "web_search_call", status: "completed", action: { type, query: "q" } });
    await expectEntry(bodyWith({ input: [user("a"), search("search"), search("open_page"), search("find_in_page"), search("other")] }), "web-search-action");
    assert.equal((await send(bodyWith({ input: [user("a"), search("search"), assistant("ok")] }))).status, 200);
  });

  test("R16 (late 2026, default, §13.1): prefixed ids are accepted with store:false; a wrong prefix, a malformed id, ids on other types and item_reference are not", async () => {
    const ok = [
      { ...user("a"), id: "msg_c8d3e28f-2a41-5822-bcb6-2752675c41f8" },
      { type: "additional_tools", id: "at_01a23ab9-8a93", role: "developer", tools: [] },
      { type: "reasoning", id: "rs_1", summary: [] },
      { ...call("call_1"), id: "fc_mx77pnmx0002", status: "completed" },
      { ...output("call_1", "x"), id: "fco_01a23aba-b766" },
      { type: "custom_tool_call", id: "ctc_1", call_id: "call_2", name: "apply_patch", input: "p" },
      { type: "custom_tool_call_output", id: "ctco_01a23b12-07b3", call_id: "call_2", output: "done" },
      user("b"),
    ];
    assert.equal((await send(bodyWith({ input: ok }))).status, 200);
    await expectEntry(bodyWith({ input: [user("a"), { ...user("b"), id: "abc123" }] }), "input-id-prefix");
    await expectRejection(
      await send(bodyWith({ input: [user("a"), { ...output("call_1", "x"), id: "fc_1" }] })),
      400,
      envelope("Invalid 'input[1].id': 'fc_1'. Expected an ID that begins with 'fco'.", "input[1].id", "invalid_value"),
    );
    await expectRejection(
      await send(bodyWith({ input: [{ ...user("a"), id: `msg_${"x".repeat(61)}` }] })),
      400,
      envelope(`Invalid 'input[0].id': 'msg_${"x".repeat(61)}'. Expected an ID that begins with 'msg'.`, "input[0].id", "invalid_value"),
    );
    await expectRejection(
      await send(bodyWith({ input: [{ ...user("a"), id: "msg_a.b" }] })),
      400,
      envelope("Invalid 'input[0].id': 'msg_a.b'. Expected an ID that begins with 'msg'.", "input[0].id", "invalid_value"),
    );
    const notFound = (id: string) =>
      envelope(
        `Item with id '${id}' not found. Items are not persisted when \`store\` is set to false. Try again with \`store\` set to true, or remove this item from your input.`,
        "input",
        null,
      );
    await expectRejection(await send(bodyWith({ input: [user("a"), { type: "item_reference", id: "fc_1" }] })), 400, notFound("fc_1"));
    const search = { type: "web_search_call", id: "ws_1", status: "completed", action: { type: "search", query: "q" } };
    await expectRejection(await send(bodyWith({ input: [user("a"), search] })), 400, notFound("ws_1"));
  });

  test("R16 (April 2026, itemIds: reject): no id on any item, no item_reference", async () => {
    const april = createEmulator({ now: fixedClock, itemIds: "reject" });
    const expectAprilEntry = async (body: unknown, name: string) => {
      const entry = httpError(name);
      await expectRejection(await post(april, body), entry.status, entry.body);
    };
    await expectAprilEntry(bodyWith({ input: [user("a"), { ...user("b"), id: "abc123" }] }), "input-id-prefix");
    await expectAprilEntry(bodyWith({ input: [{ ...user("b"), id: "msg_abc123" }] }), "input-id-not-persisted");
    await expectRejection(
      await post(april, bodyWith({ input: [user("a"), { type: "reasoning", summary: [], id: "msg_1" }] })),
      400,
      envelope("Invalid 'input[1].id': 'msg_1'. Expected an ID that begins with 'rs'.", "input[1].id", "invalid_value"),
    );
    const notFound = (id: string) =>
      envelope(
        `Item with id '${id}' not found. Items are not persisted when \`store\` is set to false. Try again with \`store\` set to true, or remove this item from your input.`,
        "input",
        null,
      );
    await expectRejection(await post(april, bodyWith({ input: [user("a"), { type: "item_reference", id: "fc_1" }] })), 400, notFound("fc_1"));
    await expectRejection(
      await post(april, bodyWith({ input: [user("a"), call("call_1"), { ...output("call_1", "x"), id: "fco_1" }] })),
      400,
      notFound("fco_1"),
    );
  });

  test("R17: function_call.arguments is a string; call_id is a non-empty string", async () => {
    await expectEntry(
      bodyWith({ input: [user("a"), { type: "function_call", call_id: "call_1", name: "f", arguments: { x: 1 } }, output("call_1", "o")] }),
      "arguments-not-string",
    );
    await expectRejection(
      await send(bodyWith({ input: [user("a"), { type: "function_call", name: "f", arguments: "{}" }] })),
      400,
      envelope("Missing required parameter: 'input[1].call_id'.", "input[1].call_id", "missing_required_parameter"),
    );
    await expectRejection(
      await send(bodyWith({ input: [user("a"), call("call_1"), { type: "function_call_output", call_id: "", output: "x" }] })),
      400,
      envelope("Missing required parameter: 'input[2].call_id'.", "input[2].call_id", "missing_required_parameter"),
    );
  });

  test("R18: every output comes after its call", async () => {
    await expectEntry(bodyWith({ input: [user("a"), output("call_missing0000000000000001", "x")] }), "tool-output-without-call");
    await expectRejection(
      await send(bodyWith({ input: [user("a"), output("call_1", "x"), call("call_1")] })),
      400,
      envelope("No tool call found for function call output with call_id call_1.", "input", null),
    );
  });

  test("R19: every function_call is followed by its output (configurable)", async () => {
    const body = bodyWith({ input: [user("a"), call("call_dangling000000000000001")] });
    await expectEntry(body, "tool-call-without-output");
    const lenient = createEmulator({ now: fixedClock, requireToolOutput: false });
    assert.equal((await post(lenient, body)).status, 200);
  });

  test("R20: a replayed encrypted_content must have been issued by this emulator to this account", async () => {
    await expectEntry(bodyWith({ input: [user("a"), { type: "reasoning", summary: [], encrypted_content: "gAAAAABfake" }] }), "encrypted-content");
    emu.enqueue("reasoning-text");
    const first = await events(await send(requestFixture("reasoning-text")));
    const blob = doneItems(first)[0].encrypted_content;
    assert.match(blob, /^gAAAAAB/);
    const replay = bodyWith({ input: [user("a"), { type: "reasoning", summary: [], encrypted_content: blob }, assistant("b"), user("c")] });
    assert.equal((await send(replay)).status, 200, "own blob accepted");
    const other = createEmulator({ now: fixedClock });
    await expectRejection(await post(other, replay), 400, envelope(`The encrypted content ${blob} could not be verified.`, null, "invalid_encrypted_content"));
    const minted = emu.mintTokens({ accountId: "acct-two" });
    assert.equal((await send(replay, authHeaders(minted.accessToken, "acct-two"))).status, 400, "issued to another account");
  });

  test("R21: tools is an array of known types; function/custom/namespace tools have a name of ≤ 64 chars", async () => {
    await expectEntry(bodyWith({ tools: [{ type: "function", function: { name: "get_weather", parameters: {} } }] }), "tools-chat-shape");
    await expectEntry(bodyWith({ tools: [{ ...WEATHER_TOOL, name: "x".repeat(70) }] }), "tool-name-too-long");
    await expectRejection(
      await send(bodyWith({ tools: { a: 1 } })),
      400,
      envelope("Invalid type for 'tools': expected an array, but got an object instead.", "tools", "invalid_type"),
    );
    await expectRejection(
      await send(bodyWith({ tools: null })),
      400,
      envelope("Invalid type for 'tools': expected an array, but got null instead.", "tools", "invalid_type"),
    );
    await expectRejection(
      await send(bodyWith({ tools: [WEATHER_TOOL, { type: "web_search_preview" }] })),
      400,
      envelope(
        "Invalid value: 'web_search_preview'. Supported values are: 'function', 'web_search', 'local_shell', 'custom', 'image_generation', 'namespace', and 'tool_search'.",
        "tools[1].type",
        "invalid_value",
      ),
    );
    const fine = [WEATHER_TOOL, { type: "web_search", external_web_access: true }, { type: "namespace", name: "ns", tools: [] }];
    assert.equal((await send(bodyWith({ tools: fine }))).status, 200);
  });

  test("R22: field types of parallel_tool_calls, tool_choice, include, reasoning, text, prompt_cache_key", async () => {
    const cases: Array<[string, unknown, string, string]> = [
      ["parallel_tool_calls", "yes", "a boolean", "a string"],
      ["tool_choice", null, "a string or an object", "null"],
      ["include", ["reasoning.encrypted_content", 1], "an array of strings", "an array"],
      ["include", "reasoning.encrypted_content", "an array of strings", "a string"],
      ["reasoning", "high", "an object or null", "a string"],
      ["text", [], "an object", "an array"],
      ["prompt_cache_key", 42, "a string", "a number"],
      ["parallel_tool_calls", {}, "a boolean", "an object"],
      ["tool_choice", true, "a string or an object", "a boolean"],
    ];
    for (const [key, value, expected, got] of cases) {
      await expectRejection(
        await send(bodyWith({ [key]: value })),
        400,
        envelope(`Invalid type for '${key}': expected ${expected}, but got ${got} instead.`, key, "invalid_type"),
      );
    }
    assert.equal((await send(bodyWith({ tool_choice: { type: "function", name: "get_weather" }, reasoning: null }))).status, 200);
  });

  test("the first failing rule wins (R5 before R8 before R9; R13 before R14 across items)", async () => {
    await expectRejection(await send(bodyWith({ stream: false, temperature: 1, model: "x" })), 400, { detail: "Stream must be set to true" });
    await expectRejection(await send(bodyWith({ temperature: 1, model: "x" })), 400, { detail: "Unsupported parameter: temperature" });
    await expectRejection(await send(bodyWith({ input: [{ type: "bogus" }, { role: "system", content: "s" }] })), 400, {
      detail: "System messages are not allowed",
    });
    const headersFirst = await send(bodyWith({ stream: false }), authHeaders(undefined, null));
    await expectRejection(headersFirst, 401, { detail: "Unauthorized" });
  });

  test("every rejection is recorded with its status, and a rejected request does not consume the queue", async () => {
    const local = createEmulator({ now: fixedClock });
    local.enqueue("failed");
    assert.equal((await post(local, bodyWith({ store: true }))).status, 400);
    const list = await events(await post(local, bodyWith({})));
    assert.equal(list.at(-1).type, "response.failed");
    assert.deepEqual(
      local.calls.map((c) => [c.status, c.scenario]),
      [
        [400, undefined],
        [200, "failed"],
      ],
    );
    assert.deepEqual(local.calls[0]?.responseBody, { detail: "Store must be set to false" });
    assert.equal(local.calls[0]?.finished, true);
  });
});

describe("fixture requests (§12.1: the emulator must accept each *.request.json)", () => {
  for (const name of REQUEST_FIXTURES) {
    test(`${name}.request.json is accepted with auth.json and with auth-no-account-id.json`, async () => {
      const emu = createEmulator({ now: fixedClock });
      const list = await events(await post(emu, requestFixture(name)));
      checkGrammar(list, "response.completed");
      const noAccountId = readJson<AuthFile>("auth-no-account-id.json");
      assert.equal(noAccountId.tokens.account_id, null);
      const claim = (readJwtPayload(noAccountId.tokens.access_token)["https://api.openai.com/auth"] as any).chatgpt_account_id;
      assert.equal((await post(emu, requestFixture(name), authHeaders(noAccountId.tokens.access_token, claim))).status, 200);
      const recorded = emu.calls[0];
      assert.equal(recorded?.path, "/backend-api/codex/responses");
      assert.equal(recorded?.method, "POST");
      assert.equal(recorded?.rawBody, JSON.stringify(requestFixture(name)));
      assert.deepEqual(recorded?.body, requestFixture(name));
      assert.equal(recorded?.headers["chatgpt-account-id"], ACCOUNT);
      assert.equal(recorded?.time, NOW_MS);
      assert.equal(recorded?.finished, true);
      assert.equal(recorded?.aborted, false);
    });
  }
});

describe("scenarios: event grammar (§5.3, §12.2)", () => {
  const run = async (
    scenario: ScenarioName,
    options: ScenarioOptions = {},
    body: Record<string, any> = requestFixture("text"),
    emuOptions: EmulatorOptions = {},
  ) => {
    const emu = createEmulator({ now: fixedClock, ...emuOptions });
    emu.enqueue(scenario, options);
    const response = await post(emu, body);
    return { emu, response, list: await events(response) };
  };

  test("text (B1): created → in_progress → one message in N deltas → completed with output [] and usage", async () => {
    const { list, response, emu } = await run("text", { text: "Bonjour ! Comment ça va ?", deltas: 5 });
    checkGrammar(list, "response.completed");
    assert.deepEqual(
      list.map((e) => e.type),
      [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        ...Array(5).fill("response.output_text.delta"),
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
      ],
    );
    assert.equal(deltaText(list), "Bonjour ! Comment ça va ?");
    const completed = list.at(-1).response;
    assert.deepEqual(completed.output, []);
    assert.equal(completed.status, "completed");
    assert.equal(completed.model, "gpt-5.4");
    assert.equal(completed.created_at, NOW_SEC);
    assert.equal(typeof completed.usage.input_tokens, "number");
    assert.equal(list[0].response.usage, null);
    assert.equal(doneItems(list)[0].content[0].text, "Bonjour ! Comment ça va ?");
    assert.equal(response.headers.get("content-type"), "text/event-stream");
    assert.equal(emu.calls[0]?.scenario, "text");
  });

  test("ids follow §5.9: one 16-hex chunk per response, 50 hex after the prefix; call_ids unique per emulator", async () => {
    const emu = createEmulator({ now: fixedClock });
    const callIds = new Set<string>();
    for (let i = 0; i < 20; i += 1) {
      emu.enqueue("parallel-tool-calls");
      const list = await events(await post(emu, requestFixture("parallel-tool-calls")));
      const responseId: string = list[0].response.id;
      assert.match(responseId, /^resp_[0-9a-f]{50}$/);
      for (const item of doneItems(list)) {
        assert.match(item.id, /^fc_[0-9a-f]{50}$/);
        assert.equal(item.id.slice(3, 19), responseId.slice(5, 21), "shared chunk");
        assert.match(item.call_id, /^call_[A-Za-z0-9]{24}$/);
        callIds.add(item.call_id);
      }
    }
    assert.equal(callIds.size, 40);
  });

  test("reasoning-text (B2): summary parts when reasoning.summary is set; encrypted_content only when included", async () => {
    const { list } = await run("reasoning-text", {}, requestFixture("reasoning-text"));
    checkGrammar(list, "response.completed");
    const [reasoning, message] = doneItems(list);
    assert.equal(reasoning.type, "reasoning");
    assert.equal(reasoning.summary.length, 2);
    assert.deepEqual(
      list.filter((e) => e.type === "response.reasoning_summary_part.done").map((e) => e.summary_index),
      [0, 1],
    );
    const added = list.find((e) => e.type === "response.output_item.added" && e.item.type === "reasoning").item;
    assert.deepEqual(added.summary, []);
    assert.match(added.encrypted_content, /^gAAAAAB/);
    assert.notEqual(added.encrypted_content, reasoning.encrypted_content, "done carries a different blob");
    assert.equal(message.content[0].text, "hello");
    const usage = list.at(-1).response.usage;
    assert.ok(usage.output_tokens_details.reasoning_tokens > 0);

    const plain = await run("reasoning-text", {}, bodyWith({ reasoning: { effort: "low" }, include: undefined }));
    checkGrammar(plain.list, "response.completed");
    assert.equal(
      plain.list.some((e) => e.type.startsWith("response.reasoning_summary")),
      false,
    );
    const plainReasoning = doneItems(plain.list)[0];
    assert.deepEqual(plainReasoning.summary, []);
    assert.equal("encrypted_content" in plainReasoning, false);
  });

  test("tool-call (B3): reasoning + one function_call whose arguments are valid for the first tool's schema", async () => {
    const { list, emu } = await run("tool-call", {}, requestFixture("tool-call"));
    checkGrammar(list, "response.completed");
    const items = doneItems(list);
    assert.deepEqual(
      items.map((i) => i.type),
      ["reasoning", "function_call"],
    );
    const fc = items[1];
    assert.equal(fc.name, "get_weather");
    const args = JSON.parse(fc.arguments);
    assert.deepEqual(Object.keys(args), ["location"]);
    assert.equal(typeof args.location, "string");
    const deltas = list.filter((e) => e.type === "response.function_call_arguments.delta");
    assert.ok(deltas.length > 1, "arguments arrive in several deltas");
    assert.equal(deltas.map((e) => e.delta).join(""), fc.arguments);
    for (const d of deltas) assert.equal(d.item_id, fc.id, "keyed by the fc_ item id, not the call_id");
    assert.deepEqual(emu.calls[0]?.output, items);
    assert.equal(emu.calls[0]?.responseId, list[0].response.id);

    const named = await run("tool-call", { toolName: "lookup", toolArguments: '{"q":1}' }, requestFixture("tool-call"));
    assert.deepEqual(
      doneItems(named.list)
        .filter((i) => i.type === "function_call")
        .map((i) => [i.name, i.arguments]),
      [["lookup", '{"q":1}']],
    );
  });

  test("parallel-tool-calls (B4): two calls with parallel_tool_calls:true, otherwise one", async () => {
    const { list } = await run("parallel-tool-calls", {}, requestFixture("parallel-tool-calls"));
    checkGrammar(list, "response.completed");
    const calls = doneItems(list).filter((i) => i.type === "function_call");
    assert.equal(calls.length, 2);
    assert.notEqual(calls[0].call_id, calls[1].call_id);
    assert.deepEqual(
      list.filter((e) => e.type === "response.output_item.added").map((e) => e.output_index),
      [0, 1],
    );
    const single = await run("parallel-tool-calls", {}, bodyWith({ parallel_tool_calls: false }, requestFixture("parallel-tool-calls")));
    assert.equal(doneItems(single.list).filter((i) => i.type === "function_call").length, 1);
  });

  test("text-then-tool (B5): reasoning summary, a commentary message with phase, then a function_call", async () => {
    const { list } = await run("text-then-tool", {}, requestFixture("text-then-tool"));
    checkGrammar(list, "response.completed");
    const items = doneItems(list);
    assert.deepEqual(
      items.map((i) => i.type),
      ["reasoning", "message", "function_call"],
    );
    assert.equal(items[0].summary.length, 1);
    assert.equal(items[1].phase, "commentary");
    assert.equal(list.find((e) => e.type === "response.output_item.added" && e.item.type === "message").item.phase, "commentary");
  });

  test("tool-then-text (B6): answers `tool said: <output>` from the last function_call_output, first 400 chars", async () => {
    const { list } = await run("tool-then-text", {}, requestFixture("tool-then-text"));
    checkGrammar(list, "response.completed");
    assert.equal(deltaText(list), 'tool said: {"temp_c":21,"sky":"sunny"}');
    const long = "é".repeat(500);
    const body = bodyWith({
      input: [user("a"), call("call_1"), { type: "function_call_output", call_id: "call_1", output: [{ type: "input_text", text: long }] }],
    });
    const parts = await run("tool-then-text", {}, body);
    assert.equal(deltaText(parts.list), `tool said: ${"é".repeat(400)}`);
  });

  test("failed (B11): after k events, response.failed with the chosen code; no completed", async () => {
    const { list } = await run("failed", { failCode: "context_length_exceeded", afterEvents: 2 });
    checkGrammar(list, "response.failed");
    assert.equal(list.length, 3);
    assert.equal(list[2].response.status, "failed");
    assert.equal(list[2].response.error.code, "context_length_exceeded");
    assert.equal(typeof list[2].response.error.message, "string");
    const midway = await run("failed", {});
    checkGrammar(midway.list, "response.failed");
    assert.deepEqual(
      midway.list.map((e) => e.type).slice(2, -1),
      ["response.output_item.added", "response.content_part.added", "response.output_text.delta", "response.output_text.delta"],
      "like error-event.sse: two deltas, then failed",
    );
    assert.equal(midway.list.at(-1).response.error.code, "server_error");
  });

  test("error-event (B12): a top-level error event, then EOF", async () => {
    const { list } = await run("error-event", { failCode: "server_error" });
    checkGrammar(list, "error");
    assert.deepEqual(
      list.map((e) => e.type),
      ["response.created", "response.in_progress", "error"],
    );
    assert.equal(list[2].code, "server_error");
    assert.equal(list[2].param, null);
    assert.equal(typeof list[2].message, "string");
  });

  test("incomplete (B13): text, the message done as incomplete, then response.incomplete with the reason", async () => {
    for (const reason of ["max_output_tokens", "content_filter"] as const) {
      const { list } = await run("incomplete", { incompleteReason: reason, text: "2, 3, 5, 7" });
      checkGrammar(list, "response.incomplete");
      assert.equal(doneItems(list)[0].status, "incomplete");
      assert.deepEqual(list.at(-1).response.incomplete_details, { reason });
      assert.equal(list.at(-1).response.status, "incomplete");
      assert.equal(deltaText(list), "2, 3, 5, 7");
    }
  });

  test("completed-with-output (B17) and completedOutput:'populated' fill response.completed.output with the done items", async () => {
    const { list } = await run("completed-with-output", { text: "ok" });
    checkGrammar(list, "response.completed");
    assert.deepEqual(list.at(-1).response.output, doneItems(list));
    assert.equal(list.at(-1).response.output.length, 1);
    const populated = await run("tool-call", {}, requestFixture("tool-call"), { completedOutput: "populated" });
    assert.deepEqual(populated.list.at(-1).response.output, doneItems(populated.list));
  });

  test("minimal (B18): no sequence_number, no added, no deltas, no usage", async () => {
    const { list } = await run("minimal", { text: "Minimal hello." });
    checkGrammar(list, "response.completed", false);
    assert.deepEqual(
      list.map((e) => e.type),
      ["response.created", "response.output_item.done", "response.completed"],
    );
    assert.equal(list[1].item.content[0].text, "Minimal hello.");
    assert.deepEqual(list[2].response.output, []);
    assert.equal("usage" in list[2].response, false);
  });

  test("slow (B14): the same complete stream, only paced", async () => {
    const { list } = await run("slow", { delayFirstEventMs: 5, delayBetweenEventsMs: 1, stallMs: 5, stallAfterEvents: 3 });
    checkGrammar(list, "response.completed");
    assert.equal(deltaText(list), "hello");
  });

  test("disconnect (B15): after k events the body errors with no terminal event; midLine leaves half an event", async () => {
    for (const midLine of [false, true]) {
      const emu = createEmulator({ now: fixedClock });
      emu.enqueue("disconnect", { afterEvents: 4, midLine });
      const response = await post(emu, requestFixture("text"));
      assert.equal(response.status, 200);
      const { text } = await readUntilError(response.body!);
      const complete = text.slice(0, text.lastIndexOf("\n\n") + 2);
      const list = parseSse(complete).map((f) => f.data);
      checkGrammar(list, null);
      assert.equal(list.length, 4);
      const rest = text.slice(complete.length);
      if (midLine) assert.match(rest, /^event: response\.output_text\.delta\ndata: \{/);
      else assert.equal(rest, "");
      assert.equal(emu.calls[0]?.finished, true, "a scripted drop counts as finished");
      assert.equal(emu.calls[0]?.aborted, false);
      assert.equal(emu.openStreams(), 0);
    }
  });

  test("streams carry stream-response-headers.json with reset times from the clock, plus scenario headers", async () => {
    const { response } = await run("text", { headers: { "x-codex-turn-state": "ts-1" } });
    const fixture = readJson("stream-response-headers.json").headers as Record<string, string>;
    for (const name of Object.keys(fixture)) assert.ok(response.headers.has(name), name);
    assert.equal(response.headers.get("x-codex-primary-reset-at"), String(NOW_SEC + 9000));
    assert.equal(response.headers.get("x-codex-secondary-reset-at"), String(NOW_SEC + 500000));
    assert.equal(response.headers.get("x-codex-primary-used-percent"), "12");
    assert.equal(response.headers.get("x-codex-turn-state"), "ts-1");
    assert.equal(response.headers.has("content-length"), false);
  });
});

describe("HTTP-level scenarios (B8, B9, B16)", () => {
  test("usage-limit (B8): 429 with resets computed from the clock, the limit headers, and no Retry-After", async () => {
    const emu = createEmulator({ now: fixedClock });
    emu.enqueue("usage-limit");
    const response = await post(emu, requestFixture("text"));
    assert.equal(response.status, 429);
    assert.equal(response.headers.has("retry-after"), false);
    assert.equal(response.headers.get("x-codex-primary-used-percent"), "100");
    assert.equal(response.headers.get("x-codex-primary-reset-at"), String(NOW_SEC + 7201));
    assert.equal(response.headers.get("x-codex-secondary-reset-at"), String(NOW_SEC + 345600));
    const expected = structuredClone(readJson("usage-limit-429.json").body);
    expected.error.resets_at = NOW_SEC + 7200;
    assert.deepEqual(await response.json(), expected);
    assert.equal(emu.calls[0]?.scenario, "usage-limit");
    assert.equal(emu.calls[0]?.status, 429);
  });

  test("usage-limit: the free plan variant keeps empty header values; afterRequests lets N requests through first", async () => {
    const emu = createEmulator({ now: fixedClock });
    emu.enqueue("usage-limit", { plan: "free", afterRequests: 2 });
    assert.equal((await post(emu, requestFixture("text"))).status, 200);
    assert.equal((await post(emu, requestFixture("text"))).status, 200);
    const limited = await post(emu, requestFixture("text"));
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get("x-codex-secondary-reset-at"), "");
    assert.equal(limited.headers.get("x-codex-primary-reset-at"), String(NOW_SEC + 600000));
    const body = await limited.json();
    assert.equal(body.error.plan_type, "free");
    assert.equal(body.error.resets_at, NOW_SEC + 600000);
    assert.equal((await post(emu, requestFixture("text"))).status, 200, "the entry is used up");
  });

  test("rate-limit (B9): the generic 429 with Retry-After: 2", async () => {
    const emu = createEmulator({ now: fixedClock });
    emu.enqueue("rate-limit");
    const response = await post(emu, requestFixture("text"));
    const entry = httpError("rate-limit-429-generic");
    assert.equal(response.headers.get("retry-after"), "2");
    await expectRejection(response, 429, entry.body);
  });

  test("http-error (B16): any http-errors.json entry by name, JSON or HTML; unknown names fail at enqueue", async () => {
    const emu = createEmulator({ now: fixedClock });
    emu.enqueue("http-error", { httpError: "overloaded-503", times: 2 });
    emu.enqueue("http-error", { httpError: "cloudflare-403" });
    emu.enqueue("http-error");
    for (let i = 0; i < 2; i += 1) await expectRejection(await post(emu, requestFixture("text")), 503, httpError("overloaded-503").body);
    const html = await post(emu, requestFixture("text"));
    assert.equal(html.status, 403);
    assert.equal(html.headers.get("content-type"), "text/html; charset=UTF-8");
    assert.equal(await html.text(), httpError("cloudflare-403").body);
    await expectRejection(await post(emu, requestFixture("text")), 500, httpError("internal-500").body);
    assert.throws(() => emu.enqueue("http-error", { httpError: "server_error_500" }), /internal-500/);
    assert.throws(() => emu.enqueue("nope" as ScenarioName), /unknown scenario/);
  });
});

describe("scenario choice without a queue (§12.2, clients.md §6)", () => {
  const emu = createEmulator({ now: fixedClock });
  const scenarioFor = async (body: Record<string, unknown>) => {
    const list = await events(await post(emu, body));
    return { scenario: emu.calls.at(-1)?.scenario, list };
  };
  const tools = [WEATHER_TOOL, { type: "function", name: "read", parameters: { type: "object", properties: { path: { type: "string" } } } }];

  test("plain text gets `text` with the answer hello", async () => {
    const { scenario, list } = await scenarioFor(requestFixture("text"));
    assert.equal(scenario, "text");
    assert.equal(deltaText(list), "hello");
  });

  test('CALL_TOOL <name> <json> with that tool in the request → exactly that call; \\" is unescaped first', async () => {
    const { scenario, list } = await scenarioFor(bodyWith({ tools, input: [user('[Mon 10:00] please CALL_TOOL read {"path":"hello.txt"} now')] }));
    assert.equal(scenario, "tool-call");
    const calls = doneItems(list).filter((i) => i.type === "function_call");
    assert.deepEqual(
      calls.map((c) => [c.name, c.arguments]),
      [["read", '{"path":"hello.txt"}']],
    );
    const quoted = await scenarioFor(bodyWith({ tools, input: [user('"CALL_TOOL get_weather {\\"location\\":\\"Paris\\"}"')] }));
    assert.deepEqual(
      doneItems(quoted.list)
        .filter((i) => i.type === "function_call")
        .map((c) => [c.name, c.arguments]),
      [["get_weather", '{"location":"Paris"}']],
    );
  });

  test("CALL_TOOL naming a tool the request lacks (opencode's title request) → text", async () => {
    const { scenario } = await scenarioFor(bodyWith({ tools: [], input: [user('CALL_TOOL read {"path":"x"}')] }));
    assert.equal(scenario, "text");
  });

  test("a function_call_output as the last item → tool-then-text", async () => {
    const { scenario, list } = await scenarioFor(requestFixture("tool-then-text"));
    assert.equal(scenario, "tool-then-text");
    assert.equal(deltaText(list), 'tool said: {"temp_c":21,"sky":"sunny"}');
  });

  test("an output after the last CALL_TOOL message, followed by a context message (OpenClaw chat mode) → tool-then-text", async () => {
    const input = [
      user('CALL_TOOL read {"path":"hello.txt"}'),
      call("call_a", "read", '{"path":"hello.txt"}'),
      output("call_a", "MARKER-42"),
      user("[context] cwd=/tmp"),
    ];
    const { scenario, list } = await scenarioFor(bodyWith({ tools, input }));
    assert.equal(scenario, "tool-then-text");
    assert.equal(deltaText(list), "tool said: MARKER-42");
  });

  test("an assistant message after the last output → not tool-then-text; a new CALL_TOOL after it → tool-call", async () => {
    const history = [user('CALL_TOOL read {"path":"a"}'), call("call_a", "read"), output("call_a", "A")];
    const answered = await scenarioFor(bodyWith({ tools, input: [...history, assistant("tool said: A"), user("thanks")] }));
    assert.equal(answered.scenario, "text");
    const again = await scenarioFor(bodyWith({ tools, input: [...history, assistant("done"), user('CALL_TOOL read {"path":"b"}')] }));
    assert.equal(again.scenario, "tool-call");
    assert.equal(doneItems(again.list).find((i) => i.type === "function_call").arguments, '{"path":"b"}');
  });

  test("a [[emu:<scenario>]] marker after the last output picks the scenario, with optional JSON options", async () => {
    const failed = await scenarioFor(bodyWith({ input: [user("go [[emu:failed]]")] }));
    assert.equal(failed.scenario, "failed");
    assert.equal(failed.list.at(-1).type, "response.failed");
    const texted = await scenarioFor(bodyWith({ input: [user('[[emu:text {"text":"bonjour"}]]')] }));
    assert.equal(deltaText(texted.list), "bonjour");
    const stale = await scenarioFor(bodyWith({ input: [user("[[emu:failed]]"), call("call_m"), output("call_m", "x")] }));
    assert.equal(stale.scenario, "tool-then-text", "a marker before the last output does not count");
    const typo = await post(emu, bodyWith({ input: [user("[[emu:faild]]")] }));
    assert.equal(typo.status, 400);
    assert.match((await typo.json()).detail, /unknown scenario 'faild'/);
  });

  test("the queue wins over markers and is FIFO; times repeats an entry", async () => {
    const local = createEmulator({ now: fixedClock });
    local.enqueue("minimal", { times: 2 });
    local.enqueue("error-event");
    const marked = bodyWith({ input: [user("[[emu:failed]]")] });
    for (let i = 0; i < 4; i += 1) await (await post(local, marked)).text();
    assert.deepEqual(
      local.calls.map((c) => c.scenario),
      ["minimal", "minimal", "error-event", "failed"],
    );
  });
});

describe("usage (B7)", () => {
  // Written out here, not imported: sorted keys, arrays and strings as sent; instructions, tools, then input.
  const canonical = (v: unknown): string =>
    Array.isArray(v)
      ? `[${v.map(canonical).join(",")}]`
      : v !== null && typeof v === "object"
        ? `{${Object.keys(v)
            .sort()
            .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
            .join(",")}}`
        : JSON.stringify(v);
  const S = (body: Record<string, any>) => body.instructions + canonical(body.tools ?? []) + canonical(body.input);

  test("input_tokens = ceil(|S|/4); output = ceil(|text and arguments|/4) + reasoning; total = input + output", async () => {
    const emu = createEmulator({ now: fixedClock });
    const body = requestFixture("text");
    emu.enqueue("text", { text: "Bonjour !" });
    const usage = (await events(await post(emu, body))).at(-1).response.usage;
    assert.deepEqual(usage, {
      input_tokens: Math.ceil(S(body).length / 4),
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: Math.ceil("Bonjour !".length / 4),
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: Math.ceil(S(body).length / 4) + Math.ceil("Bonjour !".length / 4),
    });

    const toolBody = requestFixture("tool-call");
    emu.enqueue("tool-call", { toolArguments: '{"location":"Lisbon, Portugal"}' });
    const toolUsage = (await events(await post(emu, toolBody))).at(-1).response.usage;
    const reasoning = toolUsage.output_tokens_details.reasoning_tokens;
    assert.ok(reasoning > 0);
    assert.equal(toolUsage.output_tokens, Math.ceil('{"location":"Lisbon, Portugal"}'.length / 4) + reasoning);
    assert.equal(toolUsage.total_tokens, toolUsage.input_tokens + toolUsage.output_tokens);
    assert.equal(toolUsage.input_tokens, Math.ceil(S(toolBody).length / 4));
  });

  test("cached_tokens = floor(longest common prefix with a recent S under the same prompt_cache_key / 4)", async () => {
    const emu = createEmulator({ now: fixedClock });
    const first = requestFixture("tool-call");
    const second = requestFixture("tool-then-text");
    const usageOf = async (body: Record<string, unknown>) => (await events(await post(emu, body))).at(-1).response.usage;
    assert.equal((await usageOf(first)).input_tokens_details.cached_tokens, 0, "first request under the key");
    const a = S(first);
    const b = S(second);
    let prefix = 0;
    while (prefix < Math.min(a.length, b.length) && a[prefix] === b[prefix]) prefix += 1;
    assert.ok(prefix > 0);
    const cached = (await usageOf(second)).input_tokens_details.cached_tokens;
    assert.equal(cached, Math.floor(prefix / 4));
    assert.equal((await usageOf(second)).input_tokens_details.cached_tokens, Math.floor(b.length / 4), "an identical resend hits all of S");
    assert.equal((await usageOf({ ...second, prompt_cache_key: "other-session" })).input_tokens_details.cached_tokens, 0, "another key");
    const { prompt_cache_key: _dropped, ...keyless } = second;
    assert.equal((await usageOf(keyless)).input_tokens_details.cached_tokens, 0, "no key, no cache");
    emu.reset();
    assert.equal((await usageOf(second)).input_tokens_details.cached_tokens, 0, "reset forgets the cache");
  });

  test("the prefix is the longest over the recent requests of the key; key order is no content, tool order and argument bytes are", async () => {
    const emu = createEmulator({ now: fixedClock });
    const usageOf = async (body: Record<string, unknown>) => (await events(await post(emu, body))).at(-1).response.usage;
    const base = requestFixture("tool-call");
    const long = { ...base, input: [...base.input, { type: "message", role: "user", content: [{ type: "input_text", text: "x".repeat(400) }] }] };
    await usageOf(long);
    await usageOf({ ...base, instructions: "another prompt entirely" });
    assert.equal((await usageOf(long)).input_tokens_details.cached_tokens, Math.floor(S(long).length / 4), "an older request of the key still counts");
    const reordered = { ...long, input: long.input.map((item: Record<string, unknown>) => Object.fromEntries(Object.entries(item).reverse())) };
    assert.equal((await usageOf(reordered)).input_tokens_details.cached_tokens, Math.floor(S(long).length / 4), "key order is not content");
    const twoTools = {
      ...long,
      tools: [...base.tools, { type: "function", name: "zz", description: "", strict: false, parameters: { type: "object", properties: {} } }],
    };
    await usageOf(twoTools);
    const swapped = { ...twoTools, tools: [...twoTools.tools].reverse() };
    assert.ok(
      (await usageOf(swapped)).input_tokens_details.cached_tokens < (base.instructions.length + 20) / 4,
      "reordered tools break the prefix after the instructions",
    );
  });

  test("memory is bounded: 64 keys, the least recently used forgotten first", async () => {
    const emu = createEmulator({ now: fixedClock });
    const usageOf = async (body: Record<string, unknown>) => (await events(await post(emu, body))).at(-1).response.usage;
    const body = requestFixture("text");
    for (let i = 0; i <= 64; i += 1) await usageOf({ ...body, prompt_cache_key: `k${i}` });
    assert.equal((await usageOf({ ...body, prompt_cache_key: "k0" })).input_tokens_details.cached_tokens, 0, "k0 was forgotten");
    assert.equal((await usageOf({ ...body, prompt_cache_key: "k64" })).input_tokens_details.cached_tokens, Math.floor(S(body).length / 4));
  });
});

describe("token endpoint (§12.3)", () => {
  const TOKEN_URL = "http://emulator.test/oauth/token";
  const refreshJson = (emu: Emulator, body: unknown) =>
    emu.fetch(TOKEN_URL, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const refreshBody = (refreshToken: string) => ({ client_id: "app_EMoamEEZ73f0CkXaXp7hrann", grant_type: "refresh_token", refresh_token: refreshToken });

  test("a JSON refresh returns new tokens with the account claim and exp = now + expires_in; the old refresh token is then reused → 401", async () => {
    const emu = createEmulator({ now: fixedClock });
    const request = readJson("refresh-request.json");
    const response = await refreshJson(emu, request);
    assert.equal(response.status, 200);
    const body = await response.json();
    assert.deepEqual(Object.keys(body).sort(), ["access_token", "expires_in", "id_token", "refresh_token"]);
    assert.equal(body.expires_in, 3600);
    for (const jwt of [body.access_token, body.id_token]) {
      const claims = readJwtPayload(jwt);
      assert.equal(claims.exp, NOW_SEC + 3600);
      assert.equal((claims["https://api.openai.com/auth"] as any).chatgpt_account_id, ACCOUNT);
    }
    assert.notEqual(body.refresh_token, request.refresh_token);
    assert.equal(emu.tokenCalls.length, 1);
    assert.deepEqual(emu.tokenCalls[0]?.body, request);
    assert.deepEqual(emu.tokenCalls[0]?.responseBody, body);

    const reused = readJson("refresh-error-reused.json");
    await expectRejection(await refreshJson(emu, request), reused.status, reused.body);
    assert.equal((await refreshJson(emu, refreshBody(body.refresh_token))).status, 200, "the rotated token works once");
  });

  test("the new access token is accepted; the expired one still gets the R2b body", async () => {
    const emu = createEmulator({ now: fixedClock });
    const body = await (await refreshJson(emu, refreshBody(EXPIRED_AUTH.tokens.refresh_token))).json();
    assert.equal((await post(emu, requestFixture("text"), authHeaders(body.access_token))).status, 200);
    const entry = httpError("token-expired");
    await expectRejection(await post(emu, requestFixture("text"), authHeaders(EXPIRED_AUTH.tokens.access_token)), entry.status, entry.body);
  });

  test("a form-encoded body works too, with or without scope", async () => {
    const emu = createEmulator({ now: fixedClock });
    const form = new URLSearchParams({ ...refreshBody(AUTH.tokens.refresh_token), scope: "openid profile email" });
    const response = await emu.fetch(TOKEN_URL, { method: "POST", body: form });
    assert.equal(response.status, 200);
    assert.equal(typeof (await response.json()).access_token, "string");
    assert.equal(emu.tokenCalls[0]?.headers["content-type"], "application/x-www-form-urlencoded;charset=UTF-8");
    assert.deepEqual(emu.tokenCalls[0]?.body, { ...refreshBody(AUTH.tokens.refresh_token), scope: "openid profile email" });
  });

  test("a wrong client_id or grant_type, or an unparsable body → 400 invalid_request", async () => {
    const emu = createEmulator({ now: fixedClock });
    const invalid = { error: "invalid_request" };
    await expectRejection(await refreshJson(emu, { ...refreshBody(AUTH.tokens.refresh_token), client_id: "app_other" }), 400, invalid);
    await expectRejection(await refreshJson(emu, { ...refreshBody(AUTH.tokens.refresh_token), grant_type: "password" }), 400, invalid);
    await expectRejection(await refreshJson(emu, { client_id: "app_EMoamEEZ73f0CkXaXp7hrann", grant_type: "refresh_token" }), 400, invalid);
    await expectRejection(await emu.fetch(TOKEN_URL, { method: "POST", headers: { "content-type": "application/json" }, body: "{" }), 400, invalid);
    assert.equal((await refreshJson(emu, refreshBody(AUTH.tokens.refresh_token))).status, 200, "the token was not spent");
  });

  test("unknown, invalidated and expired refresh tokens get their 401 codes", async () => {
    const emu = createEmulator({ now: fixedClock });
    const error = (code: string, message: string) => ({ error: { message, type: "invalid_request_error", param: null, code } });
    const invalidated = error("refresh_token_invalidated", "Your refresh token has been invalidated. Please try signing in again.");
    await expectRejection(await refreshJson(emu, refreshBody("never-issued-NOT-REAL")), 401, invalidated);
    const a = emu.mintTokens();
    emu.markRefreshToken(a.refreshToken, "invalidated");
    await expectRejection(await refreshJson(emu, refreshBody(a.refreshToken)), 401, invalidated);
    const b = emu.mintTokens();
    emu.markRefreshToken(b.refreshToken, "expired");
    await expectRejection(
      await refreshJson(emu, refreshBody(b.refreshToken)),
      401,
      error("refresh_token_expired", "Your refresh token has expired. Please try signing in again."),
    );
    const c = emu.mintTokens();
    emu.markRefreshToken(c.refreshToken, "used");
    await expectRejection(await refreshJson(emu, refreshBody(c.refreshToken)), 401, readJson("refresh-error-reused.json").body);
  });

  test("failNextRefresh → one 500 server_error, then the same token refreshes normally", async () => {
    const emu = createEmulator({ now: fixedClock });
    emu.failNextRefresh();
    await expectRejection(await refreshJson(emu, refreshBody(AUTH.tokens.refresh_token)), 500, { error: "server_error" });
    assert.equal((await refreshJson(emu, refreshBody(AUTH.tokens.refresh_token))).status, 200);
    assert.deepEqual(
      emu.tokenCalls.map((c) => c.status),
      [500, 200],
    );
  });

  test("options: refreshReuseStatus 400, accessTokenTtlSeconds, refreshResponses 'fixture'", async () => {
    const emu = createEmulator({ now: fixedClock, refreshReuseStatus: 400, accessTokenTtlSeconds: 60, refreshResponses: "fixture" });
    const fixture = await refreshJson(emu, readJson("refresh-request.json"));
    assert.deepEqual(await fixture.json(), readJson("refresh-response.json").body);
    const reused = await refreshJson(emu, readJson("refresh-request.json"));
    assert.equal(reused.status, 400);
    assert.equal((await reused.json()).error.code, "refresh_token_reused");
    const minted = await (await refreshJson(emu, refreshBody(AUTH.tokens.refresh_token))).json();
    assert.equal(minted.expires_in, 60);
    assert.equal(readJwtPayload(minted.access_token).exp, NOW_SEC + 60);
    const after = readJson<AuthFile>("auth-after-refresh.json");
    assert.equal((await post(emu, requestFixture("text"), authHeaders(after.tokens.access_token))).status, 200);
  });

  test("mintTokens and trustAuthFile make tokens known; mintTokens honours expiry, account and plan", async () => {
    const emu = createEmulator({ now: fixedClock });
    const stranger = makeJwt({ exp: NOW_SEC + 100, "https://api.openai.com/auth": { chatgpt_account_id: ACCOUNT } });
    await expectRejection(await post(emu, requestFixture("text"), authHeaders(stranger)), 401, { detail: "Unauthorized" });
    emu.trustAuthFile(JSON.stringify({ tokens: { access_token: stranger, refresh_token: "stranger-refresh-NOT-REAL", id_token: stranger } }));
    assert.equal((await post(emu, requestFixture("text"), authHeaders(stranger))).status, 200);
    assert.equal((await refreshJson(emu, refreshBody("stranger-refresh-NOT-REAL"))).status, 200);
    const expired = emu.mintTokens({ expiresInSeconds: -1, planType: "pro" });
    const claims = readJwtPayload(expired.accessToken);
    assert.equal((claims["https://api.openai.com/auth"] as any).chatgpt_plan_type, "pro");
    assert.equal(claims.exp, NOW_SEC - 1);
    await expectRejection(await post(emu, requestFixture("text"), authHeaders(expired.accessToken)), 401, httpError("token-expired").body);
    await expectRejection(await post(emu, requestFixture("text"), authHeaders(expired.idToken)), 401, { detail: "Unauthorized" });
  });
});

describe("models endpoint (§7.3, §13.5)", () => {
  test("GET {base}/models?client_version=… lists the catalogue behind R2–R3, ultra as a level, with x-models-etag; setCatalogue changes the etag", async () => {
    const emu = createEmulator({ now: fixedClock });
    const response = await emu.fetch(`${BASE}/models?client_version=0.169.0`, { headers: authHeaders() });
    assert.equal(response.status, 200);
    const etag = response.headers.get("x-models-etag");
    assert.ok(etag, "x-models-etag");
    assert.equal(response.headers.get("etag"), etag);
    const models = (await response.json()).models as Array<{
      slug: string;
      default_reasoning_level: string;
      supported_reasoning_levels: Array<{ effort: string }>;
    }>;
    assert.deepEqual(
      models.map((m) => m.slug),
      [
        "gpt-6.1-sol",
        "gpt-6-astra",
        "gpt-6-sol",
        "gpt-6-luna",
        "gpt-5.6-sol",
        "gpt-5.6-terra",
        "gpt-5.6-luna",
        "gpt-5.5",
        "gpt-5.4",
        "gpt-5.4-mini",
        "gpt-5.3-codex-spark",
        "gpt-5.3-codex",
        "gpt-5.2-codex",
      ],
    );
    const levels = (slug: string) => models.find((m) => m.slug === slug)?.supported_reasoning_levels.map((l) => l.effort);
    assert.deepEqual(levels("gpt-5.6-sol"), ["low", "medium", "high", "xhigh", "max", "ultra"]);
    assert.deepEqual(levels("gpt-6-luna"), ["low", "medium", "high", "xhigh", "max"]);
    assert.deepEqual(levels("gpt-5.5"), ["none", "low", "medium", "high", "xhigh"]);
    assert.equal(models.find((m) => m.slug === "gpt-6.1-sol")?.default_reasoning_level, "low");
    assert.deepEqual(
      emu.modelCalls.map((c) => c.query),
      [{ client_version: "0.169.0" }],
    );
    assert.equal((await emu.fetch(`${BASE}/models`)).status, 401);

    const stream = await post(emu, requestFixture("text"));
    assert.equal(stream.headers.get("x-models-etag"), etag, "streams carry the catalogue's etag");
    await stream.text();
    emu.setCatalogue([{ ...models[0]!, slug: "gpt-7", display_name: "gpt-7" } as never]);
    assert.notEqual(emu.modelsEtag(), etag);
    const next = await emu.fetch(`${BASE}/models?client_version=0.169.0`, { headers: authHeaders() });
    assert.equal(next.headers.get("x-models-etag"), emu.modelsEtag());
    assert.deepEqual(
      (await next.json()).models.map((m: { slug: string }) => m.slug),
      ["gpt-7"],
    );
  });
});

describe("in-process aborts and hangs (B19)", () => {
  test("cancelling the body stops emission and records aborted", async () => {
    const emu = createEmulator({ now: fixedClock });
    emu.enqueue("slow", { delayBetweenEventsMs: 20 });
    const response = await post(emu, requestFixture("text"));
    const reader = response.body!.getReader();
    const first = await reader.read();
    assert.equal(first.done, false);
    assert.equal(emu.openStreams(), 1);
    await reader.cancel();
    assert.equal(emu.calls[0]?.aborted, true);
    assert.equal(emu.calls[0]?.finished, false);
    assert.equal(emu.openStreams(), 0);
  });

  test("aborting the request signal after the headers makes reads reject, like fetch", async () => {
    const emu = createEmulator({ now: fixedClock });
    emu.enqueue("hang", { afterEvents: 2 });
    const controller = new AbortController();
    const response = await post(emu, requestFixture("text"), authHeaders(), { signal: controller.signal });
    const reader = response.body!.getReader();
    const text = new TextDecoder().decode((await reader.read()).value);
    assert.match(text, /^event: response\.created/);
    controller.abort();
    await assert.rejects(async () => {
      for (;;) if ((await reader.read()).done) return;
    }, /abort/i);
    assert.equal(emu.calls[0]?.aborted, true);
    assert.equal(emu.openStreams(), 0);
  });

  test("hang without afterEvents sends no headers until the signal aborts; the fetch then rejects", async () => {
    const emu = createEmulator({ now: fixedClock });
    emu.enqueue("hang");
    const controller = new AbortController();
    const pending = post(emu, requestFixture("text"), authHeaders(), { signal: controller.signal });
    await until(() => emu.openStreams() === 1, "the hang to start");
    assert.equal(emu.calls[0]?.status, 0);
    controller.abort();
    await assert.rejects(pending, (error: Error) => error.name === "AbortError");
    assert.equal(emu.calls[0]?.aborted, true);
    assert.equal(emu.openStreams(), 0);
  });

  test("endAll ends whatever is still in flight without calling it a client abort", async () => {
    const emu = createEmulator({ now: fixedClock });
    emu.enqueue("hang");
    emu.enqueue("hang", { afterEvents: 1 });
    const pending = post(emu, requestFixture("text"));
    await until(() => emu.openStreams() === 1, "the first hang");
    const open = await post(emu, requestFixture("text"));
    assert.equal(emu.openStreams(), 2);
    emu.endAll();
    await assert.rejects(pending, /endAll/);
    await assert.rejects(open.text(), /endAll/);
    assert.equal(emu.openStreams(), 0);
    assert.deepEqual(
      emu.calls.map((c) => c.aborted),
      [false, false],
    );
  });
});

describe("over a real socket (serveEmulator)", () => {
  const emu = createEmulator();
  let served: Awaited<ReturnType<typeof serveEmulator>>;
  before(async () => {
    served = await serveEmulator(emu);
  });
  after(async () => {
    await served.close();
  });

  test("urls: base and token urls on 127.0.0.1; a text stream and a refresh work over the socket", async () => {
    assert.match(served.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(served.baseUrl, `${served.url}/backend-api/codex`);
    assert.equal(served.tokenUrl, `${served.url}/oauth/token`);
    const response = await fetch(`${served.baseUrl}/responses`, { method: "POST", headers: authHeaders(), body: JSON.stringify(requestFixture("text")) });
    const list = await events(response);
    checkGrammar(list, "response.completed");
    assert.equal(deltaText(list), "hello");
    assert.equal(emu.calls[0]?.finished, true);
    assert.equal(emu.calls[0]?.aborted, false, "a completed stream is not an abort (Deno also aborts request.signal afterwards)");
    const refreshed = await fetch(served.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ client_id: "app_EMoamEEZ73f0CkXaXp7hrann", grant_type: "refresh_token", refresh_token: emu.mintTokens().refreshToken }),
    });
    assert.equal(refreshed.status, 200);
    await refreshed.body?.cancel();
  });

  test("a client that cancels a slow stream is recorded as aborted and the stream stops", async () => {
    emu.reset();
    emu.enqueue("slow", { delayBetweenEventsMs: 50 });
    const response = await fetch(`${served.baseUrl}/responses`, { method: "POST", headers: authHeaders(), body: JSON.stringify(requestFixture("text")) });
    assert.equal(response.status, 200);
    const reader = response.body!.getReader();
    const { value } = await reader.read();
    assert.ok(value && value.byteLength > 0);
    await reader.cancel();
    await until(() => emu.calls[0]?.aborted === true, "the emulator to see the abort");
    assert.equal(emu.calls[0]?.finished, false);
    await until(() => emu.openStreams() === 0, "no open streams");
  });

  test("a client that leaves during a header hang is recorded as aborted", async () => {
    emu.reset();
    emu.enqueue("hang");
    const controller = new AbortController();
    const pending = fetch(`${served.baseUrl}/responses`, {
      method: "POST",
      headers: authHeaders(),
      body: JSON.stringify(requestFixture("text")),
      signal: controller.signal,
    });
    await until(() => emu.openStreams() === 1, "the hang to start");
    controller.abort();
    await assert.rejects(pending);
    await until(() => emu.calls[0]?.aborted === true, "the emulator to see the abort");
    await until(() => emu.openStreams() === 0, "no open streams");
  });

  test("disconnect drops the connection: the client gets k events, then a read error, and no terminal event", async () => {
    emu.reset();
    emu.enqueue("disconnect", { afterEvents: 5 });
    const response = await fetch(`${served.baseUrl}/responses`, { method: "POST", headers: authHeaders(), body: JSON.stringify(requestFixture("text")) });
    assert.equal(response.status, 200);
    const { text } = await readUntilError(response.body!);
    const list = parseSse(text).map((f) => f.data);
    checkGrammar(list, null);
    assert.equal(list.length, 5);
    await until(() => emu.openStreams() === 0, "no open streams");
  });
});
