// `godex-proxy login | logout | status | demo` as the real bin of this runtime (node dist/node.js, bun, deno), headless,
// against the emulator (issue 20): exit codes, one-line failures, no token on screen, auth.json the proxy then uses.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEmulator, type Emulator } from "./emulator/index.ts";
import { serveEmulator, type ServedEmulator } from "./support/serve-emulator.ts";
import { runProxyOnce, spawnProxy } from "./support/spawn-proxy.ts";
import { entryCommand, RUNTIME } from "./support/runtime.ts";

/** The entry with `args`, stdin closed (no terminal), output collected; `waitFor` resolves on the first match. */
const start = (args: string[], env: Record<string, string> = {}) => {
  const { command, args: base } = entryCommand(RUNTIME);
  const clean: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env))
    if (!key.startsWith("GODEX_PROXY_") && key !== "DISPLAY" && key !== "WAYLAND_DISPLAY") clean[key] = value;
  const child: ChildProcess = spawn(command, [...base, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...clean, NO_COLOR: "1", BROWSER: "none", ...env },
  });
  let stdout = "";
  let stderr = "";
  const waiters: Array<() => void> = [];
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const wake of waiters.splice(0)) wake();
  });
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  void exited.then(() => clearTimeout(timer));
  return {
    exited,
    stop: (): Promise<number | null> => {
      if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, "SIGTERM");
      return exited;
    },
    output: () => ({ stdout, stderr }),
    async waitFor(pattern: RegExp): Promise<RegExpMatchArray> {
      for (;;) {
        const match = pattern.exec(stdout);
        if (match) return match;
        if (child.exitCode !== null) throw new Error(`exited ${child.exitCode} before ${pattern}:\n${stdout}\n${stderr}`);
        await Promise.race([new Promise<void>((resolve) => waiters.push(resolve)), exited]);
      }
    },
  };
};

const oneLine = (text: string) => text.trim().split("\n").length === 1;

describe(`login, status, logout as subcommands on ${RUNTIME}`, () => {
  let emulator: Emulator;
  let served: ServedEmulator;
  let dir: string;
  let n = 0;
  const freshPath = () => join(dir, `home-${++n}`, ".codex", "auth.json");
  const issuerFlags = () => ["--auth-issuer", served.url, "--token-url", served.tokenUrl];

  before(async () => {
    emulator = createEmulator();
    served = await serveEmulator(emulator);
    dir = mkdtempSync(join(tmpdir(), "godex-login-cli-"));
  });
  after(async () => {
    await served.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("login --device without a terminal prints the code and URL, polls, and writes a 0600 auth.json the proxy uses", async () => {
    emulator.deviceAuth.script({ pendingPolls: 1, interval: "0" });
    const path = freshPath();
    const result = await runProxyOnce(["login", "--device", ...issuerFlags(), "--auth-path", path], { env: { BROWSER: "none" } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`open ${served.url}/codex/device`));
    assert.match(result.stdout, /^ {4}[A-Z0-9]{4}-[A-Z0-9]{5}$/m);
    assert.match(result.stdout, /Logged in \(account 3f6b…4e5f, plan plus\)/);
    const json = JSON.parse(readFileSync(path, "utf8"));
    assert.equal(json.auth_mode, "chatgpt");
    assert.equal(json.tokens.account_id, "3f6b1c2e-8d4a-4f0b-9c7e-5a1d2b3c4e5f");
    if (process.platform !== "win32") assert.equal(statSync(path).mode & 0o777, 0o600);
    for (const token of [json.tokens.access_token, json.tokens.refresh_token, json.tokens.id_token]) {
      assert.ok(!result.stdout.includes(token) && !result.stderr.includes(token), "no token on screen");
    }
    assert.ok(!result.stdout.includes("3f6b1c2e-8d4a"), "the account id is masked");

    // The proxy runs on what the login wrote.
    const proxy = await spawnProxy(["--auth-path", path, "--base-url", served.baseUrl, "--api-key", "k"]);
    try {
      const answer = await fetch(`${proxy.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: "Bearer k", "content-type": "application/json" },
        body: JSON.stringify({ model: "gpt-5.4", messages: [{ role: "user", content: "hi" }] }),
      });
      assert.equal(answer.status, 200);
      assert.equal((await answer.json()).choices[0].message.content, "hello");
    } finally {
      await proxy.stop("SIGKILL");
    }

    // A second login refuses to replace it without --force, and leaves it as it was.
    const before = readFileSync(path, "utf8");
    const again = await runProxyOnce(["login", "--device", ...issuerFlags(), "--auth-path", path]);
    assert.equal(again.code, 1);
    assert.ok(oneLine(again.stderr), again.stderr);
    assert.match(again.stderr, /^godex-proxy login: .*already holds a valid login.*--force/);
    assert.equal(readFileSync(path, "utf8"), before);

    emulator.deviceAuth.script({ interval: "0" });
    const forced = await runProxyOnce(["login", "--device", "--force", ...issuerFlags(), "--auth-path", path]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.notEqual(readFileSync(path, "utf8"), before);
  });

  test("a denied device login exits 1 with one line and writes no auth.json", async () => {
    emulator.deviceAuth.script({ outcome: "denied", interval: "0" });
    const path = freshPath();
    const result = await runProxyOnce(["login", "--device", ...issuerFlags(), "--auth-path", path]);
    assert.equal(result.code, 1);
    assert.ok(oneLine(result.stderr), result.stderr);
    assert.match(result.stderr, /^godex-proxy login: the sign-in was denied/);
    assert.equal(existsSync(path), false);
  });

  test("an auth path that cannot be written exits 1 with one line and leaves nothing behind", async () => {
    emulator.deviceAuth.script({ interval: "0" });
    const blocker = join(dir, "plain-file");
    writeFileSync(blocker, "x");
    const result = await runProxyOnce(["login", "--device", ...issuerFlags(), "--auth-path", join(blocker, "auth.json")]);
    assert.equal(result.code, 1);
    assert.ok(oneLine(result.stderr), result.stderr);
    assert.match(result.stderr, /cannot create the folder .*--auth-path/);
    assert.equal(readFileSync(blocker, "utf8"), "x");
  });

  test("login --browser: the callback checks state, stores once and stops listening", async () => {
    const path = freshPath();
    const login = start(["login", "--browser", "--callback-port", "0", ...issuerFlags(), "--auth-path", path]);
    const [, authorize] = await login.waitFor(/^ {4}(http\S+\/oauth\/authorize\?\S+)$/m);
    const authorized = await fetch(authorize as string, { redirect: "manual" });
    assert.equal(authorized.status, 302);
    const callback = new URL(authorized.headers.get("location") ?? "");
    const loopback = `http://127.0.0.1:${callback.port}/auth/callback`;
    const forged = await fetch(`${loopback}?code=x&state=wrong`);
    assert.equal(forged.status, 400);
    assert.equal(existsSync(path), false);
    const real = await fetch(`${loopback}${callback.search}`);
    assert.equal(real.status, 200);
    assert.equal(await login.exited, 0, login.output().stderr);
    assert.equal(JSON.parse(readFileSync(path, "utf8")).tokens.account_id, "3f6b1c2e-8d4a-4f0b-9c7e-5a1d2b3c4e5f");
    await assert.rejects(fetch(`${loopback}${callback.search}`), "one-shot: nobody listens any more");
  });

  test("login --browser on a port in use exits 1 with one line", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    try {
      const port = String((blocker.address() as { port: number }).port);
      const result = await runProxyOnce(["login", "--browser", "--callback-port", port, ...issuerFlags(), "--auth-path", freshPath()]);
      assert.equal(result.code, 1);
      assert.ok(oneLine(result.stderr), result.stderr);
      assert.match(result.stderr, new RegExp(`127\\.0\\.0\\.1:${port} is already in use.*--device`));
    } finally {
      blocker.close();
    }
  });

  test("status shows the masked account, expiry and a working refresh; logout needs --yes without a terminal", async () => {
    const path = freshPath();
    emulator.deviceAuth.script({ interval: "0" });
    assert.equal((await runProxyOnce(["login", "--device", ...issuerFlags(), "--auth-path", path])).code, 0);
    const before = JSON.parse(readFileSync(path, "utf8"));

    const status = await runProxyOnce(["status", "--auth-path", path, "--token-url", served.tokenUrl]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^login +account 3f6b…4e5f, plan plus$/m);
    assert.match(status.stdout, /^access token +expires \d{4}-\d\d-\d\dT/m);
    assert.match(status.stdout, /^refresh +works/m);
    const after = JSON.parse(readFileSync(path, "utf8"));
    assert.notEqual(after.tokens.refresh_token, before.tokens.refresh_token, "the rotated refresh token was saved");
    for (const token of [after.tokens.access_token, after.tokens.refresh_token, before.tokens.refresh_token]) assert.ok(!status.stdout.includes(token));

    // The old refresh token is spent: refreshing with a copy of the old file fails and says what to do.
    const stale = join(dir, "stale.json");
    writeFileSync(stale, JSON.stringify(before));
    const failed = await runProxyOnce(["status", "--auth-path", stale, "--token-url", served.tokenUrl]);
    assert.equal(failed.code, 1);
    assert.match(failed.stdout, /^refresh +FAILED: refresh_token_reused .*godex-proxy login --force/m);

    const offline = await runProxyOnce(["status", "--offline", "--auth-path", path]);
    assert.equal(offline.code, 0);
    assert.match(offline.stdout, /^refresh +not checked/m);

    const none = await runProxyOnce(["status", "--auth-path", join(dir, "nobody.json")]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^godex-proxy status: auth\.json not found at .*godex-proxy login/);

    const refused = await runProxyOnce(["logout", "--auth-path", path]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^godex-proxy logout: no terminal to confirm on: pass --yes/);
    assert.equal(existsSync(path), true);
    const out = await runProxyOnce(["logout", "--yes", "--auth-path", path]);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(existsSync(path), false);
    assert.equal(existsSync(`${path}.lock`), false);
  });

  test("status --url shows the quota windows a running proxy saw", async () => {
    const path = join(dir, "quota-auth.json");
    writeFileSync(path, readFileSync("test/fixtures/codex/auth.json"));
    const proxy = await spawnProxy(["--auth-path", path, "--base-url", served.baseUrl, "--api-key", "k"]);
    try {
      const turn = await fetch(`${proxy.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: "Bearer k", "content-type": "application/json" },
        body: JSON.stringify({ model: "gpt-5.4", messages: [{ role: "user", content: "hi" }] }),
      });
      assert.equal(turn.status, 200);
      await turn.text();
      const status = await runProxyOnce(["status", "--offline", "--auth-path", path, "--url", proxy.url, "--api-key", "k"]);
      assert.equal(status.code, 0, status.stdout + status.stderr);
      assert.match(status.stdout, /^quota +primary \d+(\.\d+)?% used of \d+ min/m);
      const wrongKey = await runProxyOnce(["status", "--offline", "--auth-path", path, "--url", proxy.url, "--api-key", "nope"]);
      assert.equal(wrongKey.code, 1);
      assert.match(wrongKey.stdout, /^quota +unavailable .*HTTP_401.*--api-key/m);
    } finally {
      await proxy.stop("SIGKILL");
    }
  });

  test("bad subcommand flags exit 2 with the flag named; --help lists the commands", async () => {
    const bad = await runProxyOnce(["login", "--devise"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^godex-proxy login: --devise: unknown flag/);
    const help = await runProxyOnce(["--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /godex-proxy login +sign in with ChatGPT/);
    assert.match(help.stdout, /--auth-issuer/);
    const loginHelp = await runProxyOnce(["login", "--help"]);
    assert.equal(loginHelp.code, 0);
    assert.match(loginHelp.stdout, /--device[\s\S]*--browser[\s\S]*GODEX_PROXY_AUTH_ISSUER/);
  });
});

describe(`demo on ${RUNTIME}`, () => {
  test("godex-proxy demo serves the bundled emulator: a chat turn answers without any account", async () => {
    const demo = start(["demo", "--listen", "127.0.0.1:0"]);
    try {
      const [, url] = await demo.waitFor(/listening on (http:\/\/\S+?)\/?\s/);
      await demo.waitFor(/Ctrl-C stops the demo/);
      assert.match(demo.output().stdout, /Bearer demo-key/);
      const answer = await fetch(`${url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: "Bearer demo-key", "content-type": "application/json" },
        body: JSON.stringify({ model: "gpt-5.2-codex", messages: [{ role: "user", content: "Say hello" }] }),
      });
      assert.equal(answer.status, 200);
      assert.equal((await answer.json()).choices[0].message.content, "hello");
    } finally {
      await demo.stop();
    }
  });
});
