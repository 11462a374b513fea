// Compressed request bodies (issue 16 item 6): zstd and gzip are decompressed before the JSON is read, the body
// limit holds for the decompressed size (a bomb gets 413 and nothing reaches the backend), an unknown coding is a
// 415, a corrupt body a 400; what goes upstream is plain JSON (the emulator refuses compressed bodies, §4.1).
import { afterEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { API_KEY, createHarness, readSse, type Harness } from "./support/harness.ts";
import { readFixtureBytes } from "./support/read-fixture.ts";

let h: Harness | undefined;
afterEach(() => h?.close());

const postBytes = (harness: Harness, bytes: Uint8Array, encoding: string, path = "/v1/responses") =>
  harness.proxy.fetch(
    new Request(`http://proxy.test${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json", "content-encoding": encoding },
      body: bytes as Uint8Array<ArrayBuffer>,
    }),
    { remoteAddress: "127.0.0.1" },
  );

const expectError = async (response: Response, status: number, code: string, message: RegExp) => {
  assert.equal(response.status, status);
  const body = await response.json();
  assert.equal(body.error.code, code);
  assert.match(body.error.message, message);
};

describe("compressed request bodies", () => {
  for (const [encoding, file] of [
    ["zstd", "responses-body.json.zst"],
    ["gzip", "responses-body.json.gz"],
    ["x-gzip", "responses-body.json.gz"],
  ] as const) {
    test(`Content-Encoding: ${encoding} is decompressed; the backend gets plain JSON`, async () => {
      h = createHarness();
      const response = await postBytes(h, readFixtureBytes(`compressed/${file}`), encoding);
      assert.equal(response.status, 200, await response.clone().text());
      const body = await response.json();
      assert.equal(body.output_text, "decompressed");
      const call = h.emulator.calls[0];
      assert.equal(call?.status, 200);
      assert.equal(call?.headers["content-encoding"], undefined);
    });
  }

  test("a streamed zstd request works the same", async () => {
    h = createHarness();
    const text = new TextDecoder().decode(readFixtureBytes("compressed/responses-body.json.zst"));
    assert.ok(text.length > 0);
    const plain = JSON.stringify({ model: "gpt-5.5", input: "hi", stream: true });
    const gz = new Uint8Array(await new Response(new Blob([plain]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer());
    const frames = await readSse(await postBytes(h, gz, "gzip"));
    assert.equal(
      frames.some((f) => f.event === "response.completed"),
      true,
    );
  });

  for (const [encoding, file] of [
    ["zstd", "bomb-32MiB-zeros.zst"],
    ["gzip", "bomb-32MiB-zeros.gz"],
  ] as const) {
    test(`a ${encoding} bomb (32 MiB from ${file.endsWith("zst") ? "1 KB" : "32 KB"}) gets 413 against the decompressed size; nothing goes upstream`, async () => {
      h = createHarness({ argv: ["--body-limit", "1mb"] });
      const bytes = readFixtureBytes(`compressed/${file}`);
      assert.ok(bytes.byteLength < 64 * 1024, "the compressed body is well under the limit");
      await expectError(await postBytes(h, bytes, encoding), 413, "request_too_large", /once decompressed/);
      assert.equal(h.emulator.calls.length, 0);
    });
  }

  test("an unknown coding is a 415 naming it; a corrupt body a 400; identity is plain", async () => {
    h = createHarness();
    await expectError(await postBytes(h, new TextEncoder().encode("{}"), "br"), 415, "unsupported_content_encoding", /"br"/);
    await expectError(await postBytes(h, new TextEncoder().encode('{"input":"x"}'), "zstd"), 400, "invalid_content_encoding", /zstd/);
    await expectError(await postBytes(h, new TextEncoder().encode('{"input":"x"}'), "gzip"), 400, "invalid_content_encoding", /gzip/);
    const chat = await postBytes(h, readFixtureBytes("compressed/responses-body.json.zst"), "zstd", "/v1/chat/completions");
    await expectError(chat, 400, "invalid_type", /messages/);
    const identity = await postBytes(h, new TextEncoder().encode('{"input":"x"}'), "identity");
    assert.equal(identity.status, 200);
    await identity.text();
    assert.equal(h.emulator.calls.length, 1);
  });
});
