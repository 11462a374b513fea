// The proxy against the late-2026 backend answers (docs/backend.md §13.1, §13.6): the catalogue's `ultra` goes on
// the wire as `max`, and the two §13.6 failures that are not what their status suggests become 502s that say so.
import { describe, test, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createHarness, type Harness } from "./support/harness.ts";

type Json = Record<string, any>;

describe("late-2026 backend answers (§13)", () => {
  let h: Harness | undefined;
  afterEach(() => {
    h?.close();
    h = undefined;
  });

  test("§13.1: reasoning effort `ultra` is sent as `max` (chat and responses), other efforts as given", async () => {
    h = createHarness();
    const chat = await h.post("/v1/chat/completions", { model: "gpt-5.6-sol", reasoning_effort: "ultra", messages: [{ role: "user", content: "hi" }] });
    assert.equal(chat.status, 200, await chat.clone().text());
    assert.equal((h.emulator.calls.at(-1)?.body as Json).reasoning.effort, "max");
    const responses = await h.post("/v1/responses", { model: "gpt-5.6-sol", reasoning: { effort: "ultra" }, input: "hi" });
    assert.equal(responses.status, 200, await responses.clone().text());
    assert.equal((h.emulator.calls.at(-1)?.body as Json).reasoning.effort, "max");
    await (await h.post("/v1/responses", { model: "gpt-5.6-sol", reasoning: { effort: "xhigh" }, input: "hi" })).text();
    assert.equal((h.emulator.calls.at(-1)?.body as Json).reasoning.effort, "xhigh");
  });

  test("§13.6: an empty 404 (a backend-wide outage, not a missing model) is a 502 upstream_unavailable asking to retry", async () => {
    h = createHarness();
    h.emulator.enqueue("http-error", { httpError: "outage-404-empty" });
    const response = await h.post("/v1/responses", { input: "hi" });
    assert.equal(response.status, 502);
    const body = (await response.json()) as Json;
    assert.equal(body.error.code, "upstream_unavailable");
    assert.match(body.error.message, /404 with an empty body.*retry/);
    // A 404 that has a body is still the backend's own answer (a missing model), not an outage.
    h.emulator.enqueue("http-error", { httpError: "model-not-found-404" });
    const missing = (await (await h.post("/v1/responses", { input: "hi" })).json()) as Json;
    assert.notEqual(missing.error.code, "upstream_unavailable");
  });

  test("§13.6: Cloudflare's challenge (403 with cf-mitigated: challenge) is a 502 upstream_blocked naming the cause", async () => {
    h = createHarness();
    h.emulator.enqueue("http-error", { httpError: "cloudflare-challenge-403" });
    const response = await h.post("/v1/chat/completions", { messages: [{ role: "user", content: "hi" }] });
    assert.equal(response.status, 502);
    const body = (await response.json()) as Json;
    assert.equal(body.error.code, "upstream_blocked");
    assert.match(body.error.message, /cf-mitigated: challenge/);
    assert.match(body.error.message, /another network/);
  });
});
