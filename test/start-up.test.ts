// What dist/node.js needs at start (issue 19 item 4): the pure-JS packages are inside the bundle (one file to compile
// instead of dozens of ESM modules from node_modules), with zod's English messages only; the packages only some
// configurations use (@redis/client, undici, gpt-tokenizer) load on first use. Node only: the other entries run the
// TypeScript source.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RUNTIME } from "./support/runtime.ts";

const KEY = "start-up-key";

describe("dist/node.js at start", { skip: RUNTIME !== "node" && `dist/node.js is the Node entry (${RUNTIME} runs the source)` }, () => {
  let dir: string;
  let child: ChildProcess | undefined;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "godex-start-up-"));
    copyFileSync("test/fixtures/codex/auth.json", join(dir, "auth.json"));
    copyFileSync("dist/node.js", join(dir, "node.js"));
  });
  after(async () => {
    if (child?.exitCode === null && child.signalCode === null) {
      const closed = new Promise((resolve) => child?.on("close", resolve));
      child.kill("SIGKILL");
      await closed;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  test("starts and answers a request from a folder without node_modules: zod, srvx and itty-router are in the bundle", async () => {
    const args = [
      join(dir, "node.js"),
      "--listen",
      "127.0.0.1:0",
      "--api-key",
      KEY,
      "--auth-path",
      join(dir, "auth.json"),
      "--base-url",
      "http://127.0.0.1:9/backend",
    ];
    const proc = spawn(process.execPath, args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    child = proc;
    let output = "";
    const url = await new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on (http:\/\/\S+?)\/?(\s|$)/.exec(output);
        if (match) resolve(match[1] as string);
      };
      proc.stdout?.on("data", onData);
      proc.stderr?.on("data", onData);
      proc.on("close", (code) => reject(new Error(`node.js exited with ${code} before listening:\n${output}`)));
    });
    // A validated body (zod) through the router: a chat request with no messages is the dialect's 400.
    const response = await fetch(`${url}/v1/chat/completions`, {
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
});
