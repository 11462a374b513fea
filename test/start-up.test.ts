// What dist/node.js needs at start (issue 19 item 4): the pure-JS packages are inside the bundle (one file to compile
// instead of dozens of ESM modules from node_modules), with zod's English messages only; the packages only some
// configurations use (@redis/client, undici, gpt-tokenizer) load on first use. Node only: the other entries run the
// TypeScript source.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RUNTIME } from "./support/runtime.ts";
import { spawnProxy, type SpawnedProxy } from "./support/spawn-proxy.ts";

const KEY = "start-up-key";

describe("dist/node.js at start", { skip: RUNTIME !== "node" && `dist/node.js is the Node entry (${RUNTIME} runs the source)` }, () => {
  let dir: string;
  let proxy: SpawnedProxy | undefined;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "godex-start-up-"));
    copyFileSync("test/fixtures/codex/auth.json", join(dir, "auth.json"));
    copyFileSync("dist/node.js", join(dir, "node.js"));
  });
  after(async () => {
    await proxy?.stop("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  test("starts and answers a request from a folder without node_modules: zod, srvx and itty-router are in the bundle", async () => {
    const args = ["--api-key", KEY, "--auth-path", join(dir, "auth.json"), "--base-url", "http://127.0.0.1:9/backend"];
    proxy = await spawnProxy(args, { entry: { command: process.execPath, args: [join(dir, "node.js")] }, cwd: dir });
    // A validated body (zod) through the router: a chat request with no messages is the dialect's 400.
    const response = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-5.4", messages: [] }),
    });
    const body = (await response.json()) as { error?: { param?: string } };
    assert.equal(response.status, 400, JSON.stringify(body));
    assert.equal(body.error?.param, "messages", JSON.stringify(body));
  });

  test("the bundle carries zod's English messages only", () => {
    const bundle = readFileSync("dist/node.js", "utf8");
    assert.match(bundle, /zod\/v4\/locales\/en\.js/);
    assert.deepEqual(
      [...bundle.matchAll(/zod\/v4\/locales\/(?!en\.js|index\.js)[\w-]+\.js/g)].map((m) => m[0]),
      [],
    );
  });

  test("the bundle leaves out the zod modules the proxy never calls (JSON Schema input, coercion, ISO helpers: src imports zod as a namespace, so esbuild can drop them)", () => {
    const bundle = readFileSync("dist/node.js", "utf8");
    assert.match(bundle, /zod\/v4\/classic\/schemas\.js/);
    assert.deepEqual(
      [...bundle.matchAll(/zod\/v4\/(?:classic\/from-json-schema|classic\/coerce|classic\/iso|core\/json-schema-generator)\.js/g)].map((m) => m[0]),
      [],
    );
  });
});
