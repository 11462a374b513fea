// The official client's requests go through as it sent them (issue 16 item 2; docs/backend.md §13.2): every request
// the Codex CLI 0.169 was captured sending (test/fixtures/codex-cli-0.169/ and its captured/ folder) is replayed
// through the runtime entry over real sockets, and the emulator must receive the same body and the CLI's Codex
// headers, with only the credentials swapped. Other clients keep the classic rewrite and the proxy's own headers.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { FIXTURE_ACCOUNT_ID, type Emulator } from "./emulator/index.ts";
import type { SpawnedProxy } from "./support/spawn-proxy.ts";
import { type ProxyOverEmulator, startProxyOverEmulator } from "./support/proxy-over-emulator.ts";
import { RUNTIME } from "./support/runtime.ts";

type Json = Record<string, any>;
const KEY = "official-key";
const AUTH = JSON.parse(readFileSync("test/fixtures/codex/auth.json", "utf8")) as { tokens: { access_token: string } };
const DIRS = ["test/fixtures/codex-cli-0.169/", "test/fixtures/codex-cli-0.169/captured/"];
const FIXTURES = DIRS.flatMap((dir) =>
  readdirSync(dir)
    .filter((f) => f.endsWith(".request.json"))
    .sort()
    .map((f) => `${dir}${f}`),
);
/** The headers the proxy must pass on from the official client (by name, or by the x-codex-/x-openai-internal- prefix). */
const FORWARDED = /^(session-id|thread-id|x-client-request-id|originator|user-agent|version|x-oai-attestation|x-codex-.*|x-openai-internal-.*)$/;
/** The captured headers the proxy sets itself or must not pass on. */
const OWN = new Set(["authorization", "content-length", "content-type", "accept", "host", "connection", "accept-encoding", "content-encoding"]);

describe(`the official client passes through unchanged, on ${RUNTIME}`, () => {
  let emulator: Emulator;
  let proxy: SpawnedProxy;
  const post = (body: unknown, headers: Record<string, string>) =>
    fetch(`${proxy.url}/v1/responses`, {
      method: "POST",
      headers: { ...headers, authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  let setup: ProxyOverEmulator | undefined;
  before(async () => {
    setup = await startProxyOverEmulator("official", ["--api-key", KEY]);
    ({ emulator, proxy } = setup);
  });
  after(() => setup?.close());

  test(`all ${FIXTURES.length} captured CLI requests reach the backend with the body as sent and the CLI's Codex headers`, async () => {
    assert.ok(FIXTURES.length >= 11, `fixtures found: ${FIXTURES.join(", ")}`);
    for (const file of FIXTURES) {
      const fixture = JSON.parse(readFileSync(file, "utf8")) as { headers: Record<string, string>; body: Json };
      const sent = Object.fromEntries(Object.entries(fixture.headers).filter(([name]) => !OWN.has(name)));
      // Replayed reasoning blobs were issued by the real backend; a fresh emulator is told they are known (R20).
      for (const item of fixture.body.input ?? []) if (typeof item?.encrypted_content === "string") emulator.trustEncryptedContent(item.encrypted_content);
      const response = await post(fixture.body, sent);
      const text = await response.text();
      assert.equal(response.status, 200, `${file}: ${text.slice(0, 300)}`);
      const call = emulator.calls.at(-1) as { headers: Record<string, string>; body: unknown };
      assert.deepEqual(call.body, fixture.body, `${file}: the body changed on the way`);
      for (const [name, value] of Object.entries(sent)) {
        if (FORWARDED.test(name)) assert.equal(call.headers[name], value, `${file}: header ${name}`);
      }
      assert.equal(call.headers.authorization, `Bearer ${AUTH.tokens.access_token}`, `${file}: the proxy's credentials`);
      assert.equal(call.headers["chatgpt-account-id"], FIXTURE_ACCOUNT_ID);
    }
  });

  test("a lone function_call_output from the official client still gets its remembered call re-inserted, nothing else changed", async () => {
    const headers = {
      originator: "codex_exec",
      "user-agent": "codex_exec/0.169.0 (Debian 12.0.0; x86_64) xterm (codex_exec; 0.169.0)",
      "session-id": "s-lone",
    };
    const tools = [{ type: "function", name: "get_weather", parameters: { type: "object", properties: {} } }];
    emulator.enqueue("tool-call", { toolName: "get_weather", toolArguments: "{}" });
    const first = {
      model: "gpt-5.5",
      instructions: "be brief",
      input: [{ type: "message", role: "user", content: "weather?" }],
      tools,
      stream: true,
      store: false,
    };
    const firstText = await (await post(first, headers)).text();
    const callId = /"call_id":"([^"]+)"/.exec(firstText)?.[1];
    assert.ok(callId, firstText.slice(0, 500));
    const second = { ...first, input: [{ type: "function_call_output", call_id: callId, output: "sunny" }] };
    const response = await post(second, headers);
    assert.equal(response.status, 200, await response.clone().text());
    await response.text();
    const body = emulator.calls.at(-1)?.body as Json;
    assert.deepEqual(
      body.input.map((i: Json) => i.type),
      ["function_call", "function_call_output"],
    );
    assert.equal(body.input[0].call_id, callId);
    assert.deepEqual({ ...body, input: second.input }, second, "only the call was added");
  });

  test("another client's request is still rewritten to the classic shape, with the proxy's own Codex headers", async () => {
    const lite = JSON.parse(readFileSync("test/fixtures/codex-cli-0.169/lite-gpt-5.6-sol.turn1.request.json", "utf8")) as { body: Json };
    const response = await post(
      {
        model: "gpt-5.5",
        input: [
          { role: "developer", content: "dev text" },
          { role: "user", content: "hi" },
        ],
      },
      {
        "x-codex-window-id": "not-forwarded",
        "user-agent": "my-app/1.0",
      },
    );
    assert.equal(response.status, 200);
    await response.text();
    const call = emulator.calls.at(-1) as { headers: Record<string, string>; body: Json };
    assert.match(call.body.instructions, /dev text/, "developer text folded into instructions");
    assert.equal(call.headers["x-codex-window-id"], undefined);
    assert.match(call.headers["user-agent"] ?? "", /^codex_cli_rs\/0\.169\.0 /);
    assert.equal(call.headers.originator, "codex_cli_rs");
    assert.ok(lite.body.input.length > 0);
  });
});
