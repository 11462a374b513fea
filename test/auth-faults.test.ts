// Credentials under faults, through the real runtime entry and the emulator's token endpoint on loopback (issue 18,
// red-team D1, D2): an auth.json that cannot be replaced after a refresh; signals during a slow refresh.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEmulator, type Emulator } from "./emulator/index.ts";
import { serveEmulator, type ServedEmulator } from "./support/serve-emulator.ts";
import { spawnProxy, type SpawnedProxy } from "./support/spawn-proxy.ts";
import { RUNTIME } from "./support/runtime.ts";
import { waitFor } from "./support/wait-for.ts";

type Json = Record<string, any>;
const KEY = "faults-key";

const readTokens = (path: string): Json => (JSON.parse(readFileSync(path, "utf8")) as Json).tokens;
const issued = (emulator: Emulator, index: number): Json => emulator.tokenCalls[index]?.responseBody as Json;
/** `chattr +i`/`-i` (immutable: even root can neither replace nor write the file); false where unsupported. */
const chattr = (flag: "+i" | "-i", path: string): boolean => spawnSync("chattr", [flag, path], { stdio: "ignore" }).status === 0;

describe(`credentials under faults on ${RUNTIME}`, () => {
  let emulator: Emulator;
  let served: ServedEmulator;
  const dirs: string[] = [];
  const proxies: SpawnedProxy[] = [];

  /** Token requests that reached the socket, and how long the token endpoint then thinks before answering. */
  let tokenRequests = 0;
  let tokenDelayMs = 0;

  before(async () => {
    emulator = createEmulator();
    const slowTokens: Emulator = {
      ...emulator,
      fetch: async (input, init) => {
        const url = typeof input === "object" && "url" in input ? input.url : String(input); // srvx's own Request kept as is
        if (new URL(url).pathname === "/oauth/token") {
          tokenRequests += 1;
          await new Promise((resolve) => setTimeout(resolve, tokenDelayMs));
        }
        return emulator.fetch(input, init);
      },
    };
    served = await serveEmulator(slowTokens);
  });
  after(async () => {
    for (const proxy of proxies) await proxy.stop("SIGKILL");
    await served?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** A temp folder with an auth.json under `name` whose token is due for refresh, and a proxy with --allow-refresh on it. */
  const start = async (name = "auth.json", extra: string[] = [], prepare?: (path: string) => void, expiresInSeconds = 30) => {
    const dir = mkdtempSync(join(tmpdir(), "godex-faults-"));
    dirs.push(dir);
    const path = join(dir, name);
    const auth = JSON.parse(readFileSync("test/fixtures/codex/auth-expired.json", "utf8")) as Json;
    // By default inside the 60 s margin: refreshed before use, and still usable if the refresh cannot happen.
    const minted = emulator.mintTokens({ expiresInSeconds });
    Object.assign(auth.tokens, { access_token: minted.accessToken, refresh_token: minted.refreshToken, id_token: minted.idToken });
    writeFileSync(path, `${JSON.stringify(auth, null, 2)}\n`, { mode: 0o600 });
    prepare?.(path);
    const proxy = await spawnProxy([
      "--api-key",
      KEY,
      "--auth-path",
      path,
      "--allow-refresh",
      "--base-url",
      served.baseUrl,
      "--token-url",
      served.tokenUrl,
      ...extra,
    ]);
    proxies.push(proxy);
    const post = () =>
      fetch(`${proxy.url}/v1/responses`, {
        method: "POST",
        headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ input: "x" }),
      });
    return { dir, path, proxy, post, minted };
  };

  test("D1: a temp file that cannot be created (ENAMETOOLONG) still gets the rotated tokens into auth.json, in place", async () => {
    const calls = emulator.tokenCalls.length;
    const s = await start(`${"a".repeat(215)}.json`); // the temp name adds 42 characters: over NAME_MAX
    const response = await s.post();
    assert.equal(response.status, 200, await response.clone().text());
    assert.equal(emulator.tokenCalls.length, calls + 1);
    assert.equal(readTokens(s.path).refresh_token, issued(emulator, calls).refresh_token);
    assert.equal(readdirSync(s.dir).length, 1, "no temp file left");
    assert.match(s.proxy.output(), /wrote it in place/);
  });

  test("D1: auth.json that can be neither replaced nor written (chattr +i) keeps serving the new tokens and never spends the old refresh token", async () => {
    const s = await start();
    // Fails, never skips: the only write failure root cannot override; .ci/run installs e2fsprogs when chattr is missing.
    assert.ok(chattr("+i", s.path), "chattr +i failed: this test needs chattr (e2fsprogs) and root, as in CI");
    try {
      const calls = emulator.tokenCalls.length;
      const first = await s.post();
      assert.equal(first.status, 200, await first.clone().text());
      assert.equal(readTokens(s.path).refresh_token, s.minted.refreshToken, "unchanged on disk");
      const health = await (await fetch(`${s.proxy.url}/health`)).json();
      assert.match(health.credentials.error, /kept in memory only/);
      // The backend revokes the new access token: the proxy must refresh with the new refresh token, from memory.
      emulator.invalidateAccessToken(issued(emulator, calls).access_token);
      assert.ok(chattr("-i", s.path));
      const second = await s.post();
      assert.equal(second.status, 200, (await second.clone().text()) + s.proxy.output());
      assert.equal(emulator.tokenCalls.length, calls + 2);
      assert.equal((emulator.tokenCalls[calls + 1]?.body as Json).refresh_token, issued(emulator, calls).refresh_token);
      assert.deepEqual(
        emulator.tokenCalls.slice(calls).map((call) => call.status),
        [200, 200],
      );
      assert.equal(readTokens(s.path).refresh_token, issued(emulator, calls + 1).refresh_token, "written once the file is writable");
    } finally {
      chattr("-i", s.path);
    }
  });

  /** Sends a request that needs a refresh and resolves once that refresh reached the token endpoint. */
  const refreshInFlight = async (s: { post(): Promise<Response> }) => {
    const calls = emulator.tokenCalls.length;
    const seen = tokenRequests;
    const pending = s
      .post()
      .then((r) => r.text())
      .catch(() => "cut");
    assert.ok(await waitFor(() => tokenRequests > seen), "the refresh reached the token endpoint");
    return { calls, pending };
  };

  for (const [how, args, signals] of [
    ["SIGTERM twice", ["--shutdown-grace", "30s"], 2],
    ["one SIGTERM with --shutdown-grace 1s", ["--shutdown-grace", "1s"], 1],
  ] as const) {
    test(`D2: ${how} during a slow token call waits for it: auth.json holds the rotated tokens and no lock is left`, async () => {
      tokenDelayMs = 2_500;
      try {
        const s = await start("auth.json", [...args]);
        const { calls, pending } = await refreshInFlight(s);
        assert.ok(existsSync(`${s.path}.lock`), "the refresh holds the lock");
        for (let i = 0; i < signals; i++) {
          process.kill(s.proxy.child.pid ?? 0, "SIGTERM");
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        assert.equal(await s.proxy.exited, 0);
        await pending;
        assert.equal(emulator.tokenCalls.length, calls + 1, "the token endpoint answered before the exit");
        assert.equal(readTokens(s.path).refresh_token, issued(emulator, calls).refresh_token, s.proxy.output());
        assert.ok(!existsSync(`${s.path}.lock`), "no auth.json.lock left");
        assert.match(s.proxy.output(), /waiting for the token refresh in flight/);
      } finally {
        tokenDelayMs = 0;
      }
    });
  }

  /** Makes `<path>.lock` as `kind`, `ageMs` old (a crashed holder's leftover when over the 30 s lease). */
  const leaveLock = (path: string, kind: "file" | "dir", ageMs: number) => {
    const lock = `${path}.lock`;
    if (kind === "dir") {
      mkdirSync(lock);
      writeFileSync(join(lock, "owner"), "mkdir-style lock\n");
    } else writeFileSync(lock, "a process killed mid-refresh\n");
    const when = new Date(Date.now() - ageMs);
    utimesSync(lock, when, when);
  };

  test("item 5: a lock file older than its 30 s lease (a killed process's) is taken over at once", async () => {
    const s = await start("auth.json", [], (path) => leaveLock(path, "file", 31_000));
    const response = await s.post();
    assert.equal(response.status, 200, await response.clone().text());
    assert.ok(!existsSync(`${s.path}.lock`));
  });

  test("item 5: SIGKILL during a refresh leaves auth.json old or new, never partial; the lock it leaves is taken over once its 30 s lease passed", async () => {
    // Killed at several moments: while the token call waits, and 0–40 ms after the endpoint was reached (the write).
    for (const [delayMs, afterMs] of [
      [1_500, 200],
      [0, 0],
      [0, 5],
      [0, 15],
      [0, 40],
    ] as const) {
      tokenDelayMs = delayMs;
      try {
        const s = await start("auth.json");
        const { calls, pending } = await refreshInFlight(s);
        if (afterMs > 0) await new Promise((resolve) => setTimeout(resolve, afterMs));
        process.kill(s.proxy.child.pid ?? 0, "SIGKILL");
        await s.proxy.exited;
        await pending;
        const text = readFileSync(s.path, "utf8");
        assert.doesNotThrow(() => JSON.parse(text), `killed ${afterMs} ms in: auth.json is not whole JSON: ${text.slice(0, 80)}`);
        const refresh = readTokens(s.path).refresh_token;
        const issuedNow = emulator.tokenCalls.length > calls ? issued(emulator, calls).refresh_token : undefined;
        assert.ok(refresh === s.minted.refreshToken || refresh === issuedNow, `killed ${afterMs} ms in: neither the old nor the new refresh token`);
        if (delayMs > 0) {
          assert.equal(refresh, s.minted.refreshToken, "killed before the endpoint answered: the old file");
          assert.ok(existsSync(`${s.path}.lock`), "SIGKILL leaves the lock (no exit handler runs)");
          // The leftover as a later process finds it once the lease passed: taken over, the refresh goes through.
          const when = new Date(Date.now() - 31_000);
          utimesSync(`${s.path}.lock`, when, when);
          const before = tokenRequests;
          const next = await spawnProxy([
            "--api-key",
            KEY,
            "--auth-path",
            s.path,
            "--allow-refresh",
            "--base-url",
            served.baseUrl,
            "--token-url",
            served.tokenUrl,
          ]);
          proxies.push(next);
          const response = await fetch(`${next.url}/v1/responses`, {
            method: "POST",
            headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
            body: '{"input":"x"}',
          });
          assert.equal(response.status, 200, await response.clone().text());
          assert.ok(!existsSync(`${s.path}.lock`), "the stale lock was taken over and released");
          // Not blocked by the lock: the token call was made (its answer may be a reuse error where the endpoint had
          // already rotated the killed process's refresh token; that loss is SIGKILL's, docs/credentials.md).
          assert.ok(tokenRequests > before, "the next refresh reached the token endpoint");
        }
      } finally {
        tokenDelayMs = 0;
      }
    }
  });

  test("item 5: auth.json as a directory, a symlink elsewhere, unreadable or truncated: /health and the 401 say which, and fixing it recovers without a restart", async () => {
    const good = readFileSync("test/fixtures/codex/auth.json", "utf8");
    const isRoot = process.getuid?.() === 0;
    const cases: [string, (path: string, dir: string) => void, RegExp][] = [
      ["a directory", (path) => mkdirSync(path), /cannot read auth\.json .*\(EISDIR\)/],
      [
        "a symlink to a file that is no auth.json",
        (path, dir) => {
          writeFileSync(join(dir, "notes.txt"), "not an auth file");
          symlinkSync(join(dir, "notes.txt"), path);
        },
        /is not valid JSON/,
      ],
      ["a dangling symlink", (path, dir) => symlinkSync(join(dir, "elsewhere", "auth.json"), path), /auth\.json not found at/],
      ["truncated JSON", (path) => writeFileSync(path, good.slice(0, 90)), /is not valid JSON/],
      ["an empty file", (path) => writeFileSync(path, ""), /is not valid JSON/],
      ...(isRoot
        ? []
        : ([
            [
              "an unreadable file",
              (path: string) => {
                writeFileSync(path, good);
                chmodSync(path, 0);
              },
              /cannot read auth\.json .*\(EACCES\)/,
            ],
          ] as [string, (path: string, dir: string) => void, RegExp][])),
    ];
    const fix = (path: string, dir: string) => {
      rmSync(path, { recursive: true, force: true });
      writeFileSync(join(dir, "fixed.tmp"), good, { mode: 0o600 });
      renameSync(join(dir, "fixed.tmp"), path);
    };
    for (const [label, make, says] of cases) {
      const dir = mkdtempSync(join(tmpdir(), "godex-faults-"));
      dirs.push(dir);
      const path = join(dir, "auth.json");
      make(path, dir);
      const proxy = await spawnProxy(["--api-key", KEY, "--auth-path", path, "--base-url", served.baseUrl]);
      proxies.push(proxy);
      const post = () =>
        fetch(`${proxy.url}/v1/responses`, {
          method: "POST",
          headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
          body: '{"input":"x"}',
        });
      const health = (await (await fetch(`${proxy.url}/health`)).json()) as Json;
      assert.equal(health.credentials.loaded, false, label);
      assert.match(health.credentials.error, says, `${label}: /health`);
      const refused = await post();
      assert.equal(refused.status, 401, label);
      assert.match(((await refused.json()) as Json).error.message, says, `${label}: the 401`);
      assert.ok(!proxy.output().includes("not an auth file"), "file content never shows");
      fix(path, dir);
      let status = 0;
      for (let i = 0; i < 40 && status !== 200; i++) {
        if (i > 0) await new Promise((resolve) => setTimeout(resolve, 100));
        const response = await post();
        status = response.status;
        await response.text();
      }
      assert.equal(status, 200, `${label}: recovered without a restart`);
      // The same faults while the proxy serves: a directory unloads the credentials (the 401 says so); a file
      // that does not parse may be a write in progress, so the loaded tokens are kept and /health says why.
      for (const [later, make2, says2, unloads] of [
        ["a directory", (p: string) => mkdirSync(p), /\(EISDIR\)/, true],
        ["truncated JSON", (p: string) => writeFileSync(p, good.slice(0, 90)), /is not valid JSON.*serving the credentials loaded before/, false],
      ] as const) {
        rmSync(path, { recursive: true, force: true });
        make2(path);
        let error = "";
        for (let i = 0; i < 40 && !says2.test(error); i++) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          const response = await post();
          await response.text();
          error = String(((await (await fetch(`${proxy.url}/health`)).json()) as Json).credentials.error ?? "");
        }
        assert.match(error, says2, `${label}, then ${later}: /health`);
        const response = await post();
        assert.equal(response.status, unloads ? 401 : 200, `${label}, then ${later}`);
        await response.text();
        fix(path, dir);
        let healed = "pending";
        for (let i = 0; i < 40 && healed !== ""; i++) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          const again = await post();
          await again.text();
          healed = again.status === 200 ? String(((await (await fetch(`${proxy.url}/health`)).json()) as Json).credentials.error ?? "") : "401";
        }
        assert.equal(healed, "", `${label}, then ${later}: fixed, served and /health clean`);
      }
      await proxy.stop("SIGKILL");
    }
  });

  test("D16: a FIFO as --auth-path does not block start-up: the proxy listens, /health and the 401 say it is not a regular file", async () => {
    const s = await start("auth.json", [], (path) => {
      rmSync(path);
      assert.equal(spawnSync("mkfifo", [path]).status, 0, "mkfifo");
    });
    const health = (await (await fetch(`${s.proxy.url}/health`)).json()) as Json;
    assert.equal(health.credentials.loaded, false);
    assert.match(JSON.stringify(health), /not a regular file/);
    const response = await s.post();
    assert.equal(response.status, 401);
    assert.match((await response.json()).error.message, /not a regular file/);
  });

  test("D6: a stale lock folder that cannot be removed: a clear 401 after the lock wait, and /health answers meanwhile", async () => {
    // Already expired: with the refresh blocked by the lock there is no token to serve, so the answer is the 401.
    const s = await start("auth.json", [], (path) => leaveLock(path, "dir", 60_000), -120);
    const pending = s.post();
    const started = Date.now();
    const health = await fetch(`${s.proxy.url}/health`, { signal: AbortSignal.timeout(2_000) });
    assert.equal(health.status, 200);
    assert.ok(Date.now() - started < 2_000, "the event loop is not spinning");
    const response = await Promise.race([
      pending,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error("no answer within 20 s: lock() spins")), 20_000)),
    ]);
    assert.equal(response.status, 401);
    assert.match((await response.json()).error.message, /auth\.json\.lock is left over and cannot be removed/);
  });
});
