// Models from the backend (issue 16 item 7; docs/models.md): /v1/models and effort validation come from the
// backend's `GET {base}/models?client_version=…`, read lazily, kept for a TTL and read again when a stream's
// `x-models-etag` changes; --model outside the catalogue is said at start and in /health, and the proxy serves on.
import { describe, test, afterEach, before, after } from "node:test";
import assert from "node:assert/strict";
import { catalogueFor } from "./emulator/index.ts";
import { createHarness, type Harness } from "./support/harness.ts";
import type { SpawnedProxy } from "./support/spawn-proxy.ts";
import { type ProxyOverEmulator, startProxyOverEmulator } from "./support/proxy-over-emulator.ts";
import { RUNTIME } from "./support/runtime.ts";
import { waitFor } from "./support/wait-for.ts";

type Json = Record<string, any>;
/** A backend whose catalogue is not the built-in one: a model this proxy has never heard of, and gpt-5.5. */
const MODELS = { "gpt-7-test": ["low", "high"], "gpt-5.5": ["none", "low", "medium", "high", "xhigh"] };
const ids = async (h: Harness): Promise<string[]> => ((await (await h.get("/v1/models")).json()) as Json).data.map((m: Json) => m.id);

describe("models from the backend's catalogue", () => {
  let h: Harness;
  afterEach(() => h?.close());

  test("/v1/models lists the backend's catalogue with its effort variants, configured model first; read once, with client_version", async () => {
    h = createHarness({ argv: ["--model", "gpt-5.5"], emulator: { models: MODELS } });
    const listed = await ids(h);
    assert.deepEqual(listed.slice(0, 2), ["gpt-5.5", "gpt-7-test"]);
    assert.ok(listed.includes("gpt-7-test-low") && listed.includes("gpt-7-test-high"));
    assert.ok(!listed.includes("gpt-5.2-codex"), "the built-in list is not mixed in");
    assert.equal(h.emulator.modelCalls.length, 1);
    assert.equal(h.emulator.modelCalls[0]?.query.client_version, "0.169.0");
    await ids(h);
    assert.equal(h.emulator.modelCalls.length, 1, "cached");
    h.advance(6 * 60_000);
    await ids(h);
    assert.equal(h.emulator.modelCalls.length, 2, "read again after its 5 min TTL");
  });

  test("a new x-models-etag on a stream makes the next read go to the backend; the new list shows", async () => {
    h = createHarness({ argv: ["--model", "gpt-5.5"], emulator: { models: MODELS } });
    await ids(h);
    assert.equal((await h.post("/v1/responses", { input: "x" })).status, 200); // sees the current etag: no re-read
    await ids(h);
    assert.equal(h.emulator.modelCalls.length, 1);
    h.emulator.setCatalogue(catalogueFor({ ...MODELS, "gpt-7-new": ["high"] }));
    assert.equal((await h.post("/v1/responses", { input: "x" })).status, 200);
    assert.ok((await ids(h)).includes("gpt-7-new"));
    assert.equal(h.emulator.modelCalls.length, 2);
  });

  test("efforts are checked against the backend's levels: a variant it lists goes upstream split, one it lacks is a 400 naming the levels", async () => {
    h = createHarness({ argv: ["--model", "gpt-5.5"], emulator: { models: MODELS } });
    assert.equal((await h.post("/v1/responses", { model: "gpt-7-test-high", input: "x" })).status, 200);
    const sent = h.emulator.calls.at(-1)?.body as Json;
    assert.equal(sent.model, "gpt-7-test");
    assert.equal(sent.reasoning.effort, "high");
    const refused = await h.post("/v1/responses", { model: "gpt-7-test", reasoning: { effort: "medium" }, input: "x" });
    assert.equal(refused.status, 400);
    const error = ((await refused.json()) as Json).error;
    assert.match(error.message, /'low', and 'high'|'low' and 'high'/);
    assert.equal(error.param, "reasoning.effort");
    assert.equal(h.emulator.calls.length, 1, "the refused one never reached the backend");
  });

  test("a catalogue the backend does not give (an answer without models): the built-in list, and /health says which one is in use", async () => {
    h = createHarness({ argv: ["--model", "gpt-5.5"], emulator: { models: MODELS } });
    h.emulator.setCatalogue([]);
    const listed = await ids(h);
    assert.equal(h.emulator.modelCalls.length, 1);
    assert.ok(listed.includes("gpt-5.2-codex"), "the built-in list stands in");
    const health = ((await (await h.get("/health")).json()) as Json).models;
    assert.equal(health.catalogue, "builtin");
    assert.equal(health.model_in_catalogue, null);
  });

  test("/health says when --model is not in the backend's catalogue, naming its default; requests still go out", async () => {
    h = createHarness({ argv: ["--model", "gpt-5.2-codex"], emulator: { models: MODELS } });
    await ids(h);
    const health = ((await (await h.get("/health")).json()) as Json).models;
    assert.equal(health.catalogue, "backend");
    assert.equal(health.model_in_catalogue, false);
    assert.equal(health.catalogue_default, "gpt-7-test");
    assert.match(health.warning, /--model gpt-5\.2-codex is not in the backend's model catalogue; its default is gpt-7-test/);
  });
});

describe(`the start-up model check on ${RUNTIME}`, () => {
  let proxy: SpawnedProxy;
  let setup: ProxyOverEmulator | undefined;
  before(async () => {
    setup = await startProxyOverEmulator("models", ["--api-key", "k", "--model", "gpt-5.2-codex"], { models: MODELS });
    ({ proxy } = setup);
  });
  after(() => setup?.close());

  test("a --model outside the catalogue is a warning at start naming the catalogue's default; the proxy serves on", async () => {
    assert.ok(await waitFor(() => /not in the backend's model catalogue/.test(proxy.output())), proxy.output());
    assert.match(proxy.output(), /level=warn msg="--model gpt-5\.2-codex is not in the backend's model catalogue; its default is gpt-7-test/);
    const health = await fetch(`${proxy.url}/health`);
    assert.equal(health.status, 200);
  });
});
