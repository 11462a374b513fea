// What a hostile or careless client can send, over a real socket on every entry (issue 18; red team D15, D17):
// prototype-key model names, bodies with a million items, nesting deeper than any real request.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEmulator, type Emulator } from "./emulator/index.ts";
import { serveEmulator, type ServedEmulator } from "./support/serve-emulator.ts";
import { spawnProxy, type SpawnedProxy } from "./support/spawn-proxy.ts";
import { RUNTIME } from "./support/runtime.ts";

const KEY = "hostile-input-key";
const headers = { authorization: `Bearer ${KEY}`, "content-type": "application/json" };

describe(`hostile client input over a socket on ${RUNTIME}`, () => {
  let dir: string;
  let emulator: Emulator;
  let served: ServedEmulator;
  let proxy: SpawnedProxy;
  const post = (path: string, body: unknown) =>
    fetch(`${proxy.url}${path}`, { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "godex-hostile-"));
    copyFileSync("test/fixtures/codex/auth.json", join(dir, "auth.json"));
    emulator = createEmulator();
    served = await serveEmulator(emulator);
    proxy = await spawnProxy(["--api-key", KEY, "--auth-path", join(dir, "auth.json"), "--base-url", served.baseUrl]);
  });
  after(async () => {
    await proxy?.stop("SIGKILL");
    await served?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("D17: model names that are Object.prototype members are unknown models, never a 500", async () => {
    for (const model of ["constructor", "toString", "hasOwnProperty-low", "constructor-high", "valueOf", "__proto__", "__proto__-high"]) {
      for (const [path, body] of [
        ["/v1/responses", { model, input: "x" }],
        ["/v1/chat/completions", { model, messages: [{ role: "user", content: "x" }] }],
        ["/v1/responses", { model, input: "x", reasoning: { effort: "high" } }],
      ] as const) {
        const response = await post(path, body);
        const text = await response.text();
        assert.notEqual(response.status, 500, `${model} on ${path}: ${text.slice(0, 200)}`);
        assert.equal(response.status, 400, `${model} on ${path}: ${response.status} ${text.slice(0, 200)}`);
        assert.equal(typeof JSON.parse(text).error.message, "string");
      }
    }
    assert.doesNotMatch(proxy.output(), /internal error|is not a function/);
  });
});
