// Credentials under faults, through the real runtime entry and the emulator's token endpoint on loopback (issue 18,
// red-team D1, D2): an auth.json that cannot be replaced after a refresh; signals during a slow refresh.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
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

  test("D1: auth.json that can be neither replaced nor written (chattr +i) keeps serving the new tokens and never spends the old refresh token", async (t) => {
    const s = await start();
    if (!chattr("+i", s.path)) return t.skip("chattr +i is not available here");
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

  for (const [how, args, signals] of [
    ["SIGTERM twice", ["--shutdown-grace", "30s"], 2],
    ["one SIGTERM with --shutdown-grace 1s", ["--shutdown-grace", "1s"], 1],
  ] as const) {
    test(`D2: ${how} during a slow token call waits for it: auth.json holds the rotated tokens and no lock is left`, async () => {
      tokenDelayMs = 2_500;
      try {
        const s = await start("auth.json", [...args]);
        const calls = emulator.tokenCalls.length;
        const seen = tokenRequests;
        const pending = s
          .post()
          .then((r) => r.text())
          .catch(() => "cut");
        assert.ok(await waitFor(() => tokenRequests > seen), "the refresh reached the token endpoint");
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
