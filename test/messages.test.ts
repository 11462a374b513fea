// The Anthropic dialect through the in-process proxy and emulator (issue 17 items 1, 3, 5, 6).
import { afterEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { API_KEY, createHarness, type Harness } from "./support/harness.ts";

let harness: Harness | undefined;
afterEach(() => harness?.close());

describe("client key", () => {
  test("x-api-key carries the key as Authorization: Bearer does; a wrong one is a 401", async () => {
    harness = createHarness();
    const ok = await harness.proxy.fetch(new Request("http://proxy.test/v1/models", { headers: { "x-api-key": API_KEY } }));
    assert.equal(ok.status, 200);
    const wrong = await harness.proxy.fetch(new Request("http://proxy.test/v1/models", { headers: { "x-api-key": "nope" } }));
    assert.equal(wrong.status, 401);
    const none = await harness.proxy.fetch(new Request("http://proxy.test/v1/models"));
    assert.equal(none.status, 401);
    assert.match(((await none.json()) as { error: { message: string } }).error.message, /x-api-key/);
  });
});
