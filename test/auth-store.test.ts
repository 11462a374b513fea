// createAuthStore against real temp files and the emulator's token endpoint: proactive and reactive refresh,
// single flight, terminal and transient failures, reload on change, the lock file, and no secret in any log (spec §2–3).
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, unlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { createNodeAuthFile } from "../runtimes/io/auth-file-node.ts";
import { createAuthStore } from "../src/auth/auth-store.ts";
import type { AuthFile, AuthStore, Credentials } from "../src/auth/types.ts";
import { isProxyError, type ErrorKind } from "../src/errors.ts";
import type { LogFields, Logger } from "../src/log.ts";
import { createEmulator } from "./emulator/index.ts";
import type { Emulator, EmulatorOptions } from "./emulator/types.ts";
import { makeJwt } from "./support/jwt.ts";
import { readFixtureJson, readFixtureText } from "./support/read-fixture.ts";

const TOKEN_URL = "http://emulator.test/oauth/token";
const ACCOUNT_ID = "3f6b1c2e-8d4a-4f0b-9c7e-5a1d2b3c4e5f";
/** The clock of auth-after-refresh.json's `last_refresh`; auth-expired.json's token expired on 2026-01-10. */
const START = Date.parse("2026-07-20T10:00:00.000Z");
const SECOND = 1_000;

interface AuthJson {
  tokens: { id_token: string; access_token: string; refresh_token: string; account_id: string | null };
  [key: string]: unknown;
}
const fixtureAuth = (name: string) => readFixtureJson<AuthJson>(`codex/${name}`);
const expiredAuth = fixtureAuth("auth-expired.json");
const validAuth = fixtureAuth("auth.json");
const refreshBody = readFixtureJson<{ body: { id_token: string; access_token: string; refresh_token: string } }>("codex/refresh-response.json").body;

/** Every token string the fixtures contain: none may ever reach a log line. */
const FIXTURE_SECRETS = [
  ...["auth.json", "auth-expired.json", "auth-no-account-id.json", "auth-after-refresh.json"].flatMap((name) => {
    const { tokens } = fixtureAuth(name);
    return [tokens.id_token, tokens.access_token, tokens.refresh_token];
  }),
  refreshBody.id_token,
  refreshBody.access_token,
  refreshBody.refresh_token,
];

/** Records every line at every level, unredacted, so a leak cannot hide behind log.ts's safety net. */
const createCapturingLogger = () => {
  const lines: string[] = [];
  const record = (level: string) => (message: string, fields?: LogFields) => {
    lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  };
  const logger: Logger = {
    debug: record("debug"),
    info: record("info"),
    warn: record("warn"),
    error: record("error"),
    enabled: () => true,
  };
  return { logger, lines };
};

const tempDirs: string[] = [];
after(async () => {
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A deferred signal: `wait` resolves once `fire` ran. */
const signal = () => {
  let fire = () => {};
  const wait = new Promise<void>((resolve) => {
    fire = resolve;
  });
  return { fire, wait };
};

interface Setup {
  store: AuthStore;
  emulator: Emulator;
  path: string;
  lines: string[];
  clock: { now: number };
  /** Resolves the first time the store asks for the lock. */
  lockRequested: Promise<void>;
  /** How often the store asked for the lock, and read the file. */
  lockCount(): number;
  readCount(): number;
  /** The next `read()` takes the file's text at once but returns it only after `release()`. */
  holdNextRead(): { taken: Promise<void>; release(): void };
  writeAuth(content: string | object): Promise<void>;
}

const setup = async (options: {
  auth?: string | object | null;
  allowRefresh?: boolean;
  emulator?: EmulatorOptions;
  wrapFile?: (file: AuthFile) => AuthFile;
  /** The file's name in its temp folder; default auth.json. */
  name?: string;
  /** How long lock() waits for another holder; default 5 s. */
  lockWaitMs?: number;
}): Promise<Setup> => {
  const dir = await mkdtemp(join(tmpdir(), "godex-auth-store-"));
  tempDirs.push(dir);
  const path = join(dir, options.name ?? "auth.json");
  const clock = { now: START };
  const now = () => clock.now;
  const writeAuth = async (content: string | object) => {
    await writeFile(path, typeof content === "string" ? content : JSON.stringify(content, null, 2) + "\n", { mode: 0o600 });
  };
  if (options.auth !== null) await writeAuth(options.auth ?? readFixtureText("codex/auth.json"));
  const emulator = createEmulator({ now, ...options.emulator });
  const { logger, lines } = createCapturingLogger();
  const lock = signal();
  let locks = 0;
  let reads = 0;
  let heldRead: { taken: () => void; released: Promise<void> } | undefined;
  const base = createNodeAuthFile(path, { waitMs: options.lockWaitMs ?? 5_000, pollMs: 5 });
  const observed: AuthFile = {
    ...base,
    lock: () => {
      locks += 1;
      lock.fire();
      return base.lock();
    },
    read: async () => {
      reads += 1;
      const hold = heldRead;
      heldRead = undefined;
      const text = await base.read();
      if (hold !== undefined) {
        hold.taken();
        await hold.released;
      }
      return text;
    },
  };
  const holdNextRead = () => {
    const taken = signal();
    const released = signal();
    heldRead = { taken: taken.fire, released: released.wait };
    return { taken: taken.wait, release: released.fire };
  };
  const file = options.wrapFile ? options.wrapFile(observed) : observed;
  const store = createAuthStore({
    file,
    fetch: emulator.fetch,
    now,
    logger,
    allowRefresh: options.allowRefresh ?? true,
    tokenUrl: TOKEN_URL,
  });
  return { store, emulator, path, lines, clock, lockRequested: lock.wait, lockCount: () => locks, readCount: () => reads, holdNextRead, writeAuth };
};

/** An auth.json holding freshly minted emulator tokens (the CLI's layout). */
const mintedAuth = (emulator: Emulator, opts?: { expiresInSeconds?: number }) => {
  const tokens = emulator.mintTokens(opts);
  return {
    tokens,
    json: {
      auth_mode: "chatgpt",
      OPENAI_API_KEY: null,
      tokens: { id_token: tokens.idToken, access_token: tokens.accessToken, refresh_token: tokens.refreshToken, account_id: ACCOUNT_ID },
      last_refresh: new Date(START).toISOString(),
    },
  };
};

const rejectsWith = async (promise: Promise<unknown>, kind: ErrorKind, ...patterns: RegExp[]) => {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isProxyError(error), `expected a ProxyError, got ${String(error)}`);
    assert.equal(error.kind, kind);
    assert.equal(error.status, 401);
    for (const pattern of patterns) assert.match(error.message, pattern);
    return true;
  });
};

const tokensIssuedBy = (emulator: Emulator): string[] =>
  emulator.tokenCalls.flatMap((call) => {
    const body = call.responseBody as Record<string, unknown> | undefined;
    return [body?.id_token, body?.access_token, body?.refresh_token].filter((v): v is string => typeof v === "string");
  });

const assertNoSecrets = (lines: readonly string[], secrets: readonly string[]) => {
  for (const line of lines) for (const secret of secrets) assert.ok(!line.includes(secret), `a log line leaks a token: ${line.slice(0, 80)}…`);
};

describe("proactive refresh (spec §3.4)", () => {
  test("an expired token means exactly one refresh and auth.json rewritten as auth-after-refresh.json", async () => {
    const s = await setup({ auth: readFixtureText("codex/auth-expired.json"), emulator: { refreshResponses: "fixture" } });
    const credentials = await s.store.getCredentials();
    assert.equal(credentials.accessToken, refreshBody.access_token);
    assert.equal(credentials.accountId, ACCOUNT_ID);
    assert.equal(credentials.expiresAt, Date.parse("2100-01-01T00:00:00Z"));
    assert.equal(s.emulator.tokenCalls.length, 1);
    const call = s.emulator.tokenCalls[0]!;
    assert.equal(call.method, "POST");
    assert.match(call.headers["content-type"] ?? "", /^application\/json/);
    assert.deepEqual(call.body, readFixtureJson("codex/refresh-request.json"));
    assert.equal(call.status, 200);
    // Whole text, byte for byte: last_refresh comes from the injected clock.
    assert.equal(await readFile(s.path, "utf8"), readFixtureText("codex/auth-after-refresh.json"));
    assert.equal((await stat(s.path)).mode & 0o777, 0o600);

    s.clock.now += 5 * SECOND;
    assert.deepEqual(await s.store.getCredentials(), credentials);
    assert.equal(s.emulator.tokenCalls.length, 1, "a fresh token is not refreshed again");
    assertNoSecrets(s.lines, FIXTURE_SECRETS);
  });

  test("a token within 60 s of exp is refreshed; one with more time left is not", async () => {
    const s = await setup({ auth: null });
    const soon = mintedAuth(s.emulator, { expiresInSeconds: 59 });
    await s.writeAuth(soon.json);
    const refreshed = await s.store.getCredentials();
    assert.notEqual(refreshed.accessToken, soon.tokens.accessToken);
    assert.equal(s.emulator.tokenCalls.length, 1);

    const later = await setup({ auth: null });
    const enough = mintedAuth(later.emulator, { expiresInSeconds: 120 });
    await later.writeAuth(enough.json);
    assert.equal((await later.store.getCredentials()).accessToken, enough.tokens.accessToken);
    assert.equal(later.emulator.tokenCalls.length, 0);
  });

  test("without a readable exp, last_refresh older than 8 days triggers the refresh", async () => {
    for (const [ageDays, expectedCalls] of [
      [9, 1],
      [7, 0],
    ] as const) {
      const s = await setup({ auth: null });
      const { json } = mintedAuth(s.emulator);
      json.tokens.access_token = "opaque-access-token-NOT-A-JWT";
      json.last_refresh = new Date(START - ageDays * 24 * 3600 * SECOND).toISOString();
      await s.writeAuth(json);
      await s.store.getCredentials();
      assert.equal(s.emulator.tokenCalls.length, expectedCalls, `last_refresh ${ageDays} days ago`);
    }
  });

  test("without --allow-refresh an expired token is served as is and the endpoint is never called", async () => {
    const s = await setup({ auth: readFixtureText("codex/auth-expired.json"), allowRefresh: false });
    assert.equal((await s.store.getCredentials()).accessToken, expiredAuth.tokens.access_token);
    await rejectsWith(
      s.store.recoverFromUnauthorized({ accessToken: expiredAuth.tokens.access_token }),
      "upstream_unauthorized",
      /codex login/,
      /--allow-refresh/,
    );
    assert.equal(s.emulator.tokenCalls.length, 0);
  });
});

describe("single flight (spec §3.4 Concurrency, §12.3)", () => {
  test("20 concurrent getCredentials and recoverFromUnauthorized calls make exactly one token request", async () => {
    const s = await setup({ auth: readFixtureText("codex/auth-expired.json") });
    const used: Credentials = { accessToken: expiredAuth.tokens.access_token, accountId: ACCOUNT_ID };
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? s.store.getCredentials() : s.store.recoverFromUnauthorized(used))));
    assert.equal(s.emulator.tokenCalls.length, 1);
    assert.equal(s.lockCount(), 1, "the others awaited the one refresh instead of queueing on the lock file");
    const fresh = results[0]!.accessToken;
    assert.notEqual(fresh, expiredAuth.tokens.access_token);
    for (const result of results) assert.equal(result.accessToken, fresh);
    const onDisk = JSON.parse(await readFile(s.path, "utf8")) as AuthJson;
    assert.equal(onDisk.tokens.access_token, fresh);
    assert.equal((onDisk.tokens as Record<string, unknown>).x_fixture_token_extra, "keep-me");
  });

  test("recoverFromUnauthorized refreshes a rejected valid token once; a late caller with the old token gets the new one", async () => {
    const s = await setup({ auth: readFixtureText("codex/auth.json") });
    const old = await s.store.getCredentials();
    s.emulator.invalidateAccessToken(old.accessToken);
    const recovered = await s.store.recoverFromUnauthorized(old);
    assert.notEqual(recovered.accessToken, old.accessToken);
    assert.equal(s.emulator.tokenCalls.length, 1);
    assert.deepEqual(await s.store.recoverFromUnauthorized(old), recovered);
    assert.equal(s.emulator.tokenCalls.length, 1);
    const onDisk = JSON.parse(await readFile(s.path, "utf8")) as AuthJson;
    assert.equal(onDisk.tokens.access_token, recovered.accessToken);
    assert.notEqual(onDisk.tokens.refresh_token, validAuth.tokens.refresh_token);
  });
});

describe("refresh failures (spec §3.3)", () => {
  for (const [state, code] of [
    ["used", "refresh_token_reused"],
    ["expired", "refresh_token_expired"],
    ["invalidated", "refresh_token_invalidated"],
  ] as const) {
    test(`${code}: a 401 naming the code and codex login, and no further token request until the file changes`, async () => {
      const s = await setup({ auth: readFixtureText("codex/auth-expired.json") });
      s.emulator.markRefreshToken(expiredAuth.tokens.refresh_token, state);
      const codeText = new RegExp(code);
      await rejectsWith(s.store.getCredentials(), "upstream_unauthorized", codeText, /codex login/);
      assert.equal(s.emulator.tokenCalls.length, 1);

      s.clock.now += 30 * 60 * SECOND; // long past any back-off: terminal means terminal
      await rejectsWith(s.store.getCredentials(), "upstream_unauthorized", codeText, /codex login/);
      await rejectsWith(s.store.recoverFromUnauthorized({ accessToken: expiredAuth.tokens.access_token }), "upstream_unauthorized", codeText);
      assert.equal(s.emulator.tokenCalls.length, 1);
      const status = await s.store.status();
      assert.equal(status.loaded, true);
      assert.match(status.error ?? "", codeText);

      // `codex login` writes new tokens: they are used without a restart and without a token request.
      const fresh = mintedAuth(s.emulator);
      await s.writeAuth(fresh.json);
      s.clock.now += SECOND;
      assert.equal((await s.store.getCredentials()).accessToken, fresh.tokens.accessToken);
      assert.equal(s.emulator.tokenCalls.length, 1);
      assert.equal((await s.store.status()).error, undefined);
    });
  }

  test("a transient 500 fails with a 401, backs off 5 s then 10 s, and succeeds afterwards", async () => {
    const s = await setup({ auth: readFixtureText("codex/auth-expired.json") });
    s.emulator.failNextRefresh();
    await rejectsWith(s.store.getCredentials(), "upstream_unauthorized", /token refresh failed/, /HTTP 500/);
    assert.equal(s.emulator.tokenCalls.length, 1);

    s.clock.now += 4 * SECOND;
    await rejectsWith(s.store.getCredentials(), "upstream_unauthorized", /token refresh failed/);
    await rejectsWith(s.store.recoverFromUnauthorized({ accessToken: expiredAuth.tokens.access_token }), "upstream_unauthorized");
    assert.equal(s.emulator.tokenCalls.length, 1, "no token request inside the back-off window");
    assert.equal(s.lockCount(), 1, "failing fast takes no lock either");

    s.clock.now += 1 * SECOND;
    s.emulator.failNextRefresh();
    await rejectsWith(s.store.getCredentials(), "upstream_unauthorized", /token refresh failed/);
    assert.equal(s.emulator.tokenCalls.length, 2, "the window of 5 s has passed");

    s.clock.now += 9 * SECOND;
    await rejectsWith(s.store.getCredentials(), "upstream_unauthorized");
    assert.equal(s.emulator.tokenCalls.length, 2, "the second window is 10 s");

    s.clock.now += 1 * SECOND;
    const credentials = await s.store.getCredentials();
    assert.equal(s.emulator.tokenCalls.length, 3);
    assert.notEqual(credentials.accessToken, expiredAuth.tokens.access_token);
    assert.equal(JSON.parse(await readFile(s.path, "utf8")).tokens.access_token, credentials.accessToken);
  });

  test("a token that still works is served while an early refresh fails", async () => {
    const s = await setup({ auth: null });
    const soon = mintedAuth(s.emulator, { expiresInSeconds: 30 });
    await s.writeAuth(soon.json);
    s.emulator.failNextRefresh();
    assert.equal((await s.store.getCredentials()).accessToken, soon.tokens.accessToken);
    assert.equal(s.emulator.tokenCalls.length, 1);
    s.clock.now += 2 * SECOND; // inside the back-off: no request, the working token again
    assert.equal((await s.store.getCredentials()).accessToken, soon.tokens.accessToken);
    assert.equal(s.emulator.tokenCalls.length, 1);
    s.clock.now += 29 * SECOND; // now truly expired: a failed refresh reaches the caller
    s.emulator.failNextRefresh();
    await rejectsWith(s.store.getCredentials(), "upstream_unauthorized", /token refresh failed/);
    assert.equal(s.emulator.tokenCalls.length, 2);
  });
});

describe("other processes (spec §2.1, §3.4)", () => {
  test("tokens another process stored while we waited for the lock are adopted: zero token requests", async () => {
    const s = await setup({ auth: readFixtureText("codex/auth-expired.json") });
    s.clock.now = Date.parse("2026-01-01T00:00:00Z"); // not expired yet: load without refreshing
    assert.equal((await s.store.getCredentials()).accessToken, expiredAuth.tokens.access_token);

    await writeFile(`${s.path}.lock`, "another process\n"); // the CLI is mid-refresh
    s.clock.now = START;
    let settled = false;
    const pending = s.store.getCredentials().finally(() => {
      settled = true;
    });
    await s.lockRequested;
    await sleep(50);
    assert.equal(settled, false, "the store waits for the lock");
    const other = mintedAuth(s.emulator);
    await s.writeAuth(other.json);
    await unlink(`${s.path}.lock`);

    const credentials = await pending;
    assert.equal(credentials.accessToken, other.tokens.accessToken);
    assert.equal(s.emulator.tokenCalls.length, 0);
    assert.equal(JSON.parse(await readFile(s.path, "utf8")).tokens.refresh_token, other.tokens.refreshToken);
  });

  test("a reload that read the file before a refresh finished never overwrites the refreshed tokens", async () => {
    const s = await setup({ auth: null });
    const start = mintedAuth(s.emulator, { expiresInSeconds: 120 });
    await s.writeAuth(start.json);
    await s.store.getCredentials(); // loaded, 120 s left

    await writeFile(`${s.path}.lock`, "another process\n");
    s.clock.now += 100 * SECOND; // 20 s left: refresh, which now waits for the lock
    const refreshing = s.store.getCredentials();
    await s.lockRequested;
    await s.writeAuth(start.json); // same tokens, new mtime: the next check re-reads
    // Two writes inside one file-system timestamp tick keep the mtime (and size and inode): make the change visible.
    const later = new Date(Date.now() + 5_000);
    await utimes(s.path, later, later);
    s.clock.now += SECOND;
    const held = s.holdNextRead();
    const checking = s.store.status(); // reads the old tokens now, applies them later
    await held.taken;
    await unlink(`${s.path}.lock`);
    const refreshed = await refreshing;
    assert.notEqual(refreshed.accessToken, start.tokens.accessToken);
    held.release();
    await checking;

    assert.equal((await s.store.status()).expiresAt, new Date(refreshed.expiresAt ?? 0).toISOString());
    assert.equal((await s.store.getCredentials()).accessToken, refreshed.accessToken);
    assert.equal(s.lockCount(), 1, "memory still holds the refreshed tokens, so nothing is refreshed again");
    assert.equal(s.emulator.tokenCalls.length, 1);
  });

  test("a lock file held by another process delays the refresh until it is released", async () => {
    const s = await setup({ auth: readFixtureText("codex/auth-expired.json") });
    await writeFile(`${s.path}.lock`, "another process\n");
    let settled = false;
    const pending = s.store.getCredentials().finally(() => {
      settled = true;
    });
    await s.lockRequested;
    await sleep(80);
    assert.equal(settled, false);
    assert.equal(s.emulator.tokenCalls.length, 0, "no token request while the lock is held");
    await unlink(`${s.path}.lock`);
    const credentials = await pending;
    assert.equal(s.emulator.tokenCalls.length, 1);
    assert.notEqual(credentials.accessToken, expiredAuth.tokens.access_token);
    await assert.rejects(stat(`${s.path}.lock`), "the store removes its own lock");
  });

  test("a lock left by a killed process blocks the refresh no longer than its lease (30 s), then is taken over", async () => {
    const s = await setup({ auth: readFixtureText("codex/auth-expired.json"), lockWaitMs: 300 });
    await writeFile(`${s.path}.lock`, "a process killed mid-refresh\n");
    const when = new Date(Date.now() - 29_000); // its lease ends in 1 s
    await utimes(`${s.path}.lock`, when, when);
    await rejectsWith(s.store.getCredentials(), "upstream_unauthorized", /could not lock auth\.json/, /next attempt in 1 s/);
    assert.equal(s.emulator.tokenCalls.length, 0);
    await sleep(1_100); // the lease is over (real time for the lock file, the store's clock for its back-off)
    s.clock.now += 1_100;
    const credentials = await s.store.getCredentials();
    assert.notEqual(credentials.accessToken, expiredAuth.tokens.access_token);
    assert.equal(s.emulator.tokenCalls.length, 1);
    await assert.rejects(stat(`${s.path}.lock`), "the leftover is gone and ours released");
  });

  test("a file changed on disk is picked up within a second, and at once after an upstream 401", async () => {
    const s = await setup({ auth: readFixtureText("codex/auth.json"), allowRefresh: false });
    const first = await s.store.getCredentials();
    assert.equal(first.accessToken, validAuth.tokens.access_token);
    s.clock.now += 5 * SECOND;
    await s.store.getCredentials();
    assert.equal(s.readCount(), 1, "an unchanged version means no re-read");

    const second = mintedAuth(s.emulator);
    await s.writeAuth(second.json);
    s.clock.now += 500;
    assert.equal((await s.store.getCredentials()).accessToken, first.accessToken, "version checked at most once a second");
    s.clock.now += 600;
    assert.equal((await s.store.getCredentials()).accessToken, second.tokens.accessToken);

    const third = mintedAuth(s.emulator);
    await s.writeAuth(third.json);
    const recovered = await s.store.recoverFromUnauthorized({ accessToken: second.tokens.accessToken });
    assert.equal(recovered.accessToken, third.tokens.accessToken);
    assert.equal(s.emulator.tokenCalls.length, 0);
  });
});

describe("auth.json problems (spec §2.1, §2.2, §2.4)", () => {
  test("a torn or half-written file keeps the loaded credentials; a fixed file is picked up", async () => {
    const s = await setup({ auth: readFixtureText("codex/auth.json") });
    const loaded = await s.store.getCredentials();
    await s.writeAuth(readFixtureText("codex/auth.json").slice(0, 200)); // the CLI rewrites in place
    s.clock.now += SECOND;
    assert.equal((await s.store.getCredentials()).accessToken, loaded.accessToken);
    assert.equal((await s.store.status()).loaded, true);
    assert.ok(s.lines.some((line) => line.startsWith("warn ") && line.includes("cannot be parsed")));
    const next = mintedAuth(s.emulator);
    await s.writeAuth(next.json);
    s.clock.now += SECOND;
    assert.equal((await s.store.getCredentials()).accessToken, next.tokens.accessToken);
  });

  /** An AuthFile whose first `tornReads` reads while its lock is held see the file half-written (D8: the CLI rewrites in place). */
  const tornUnderLock = (tornReads: number) => {
    let locked = false;
    const seen = { torn: 0 };
    const wrapFile = (file: AuthFile): AuthFile => ({
      ...file,
      lock: async () => {
        const release = await file.lock();
        locked = true;
        return async () => {
          locked = false;
          await release();
        };
      },
      read: async () => {
        const text = await file.read();
        if (!locked || seen.torn >= tornReads || text === null) return text;
        seen.torn += 1;
        return text.slice(0, 200);
      },
    });
    return { wrapFile, seen };
  };

  test("D8: a torn read under the refresh's lock is read again, not a 401: one token call, the refreshed tokens served", async () => {
    const torn = tornUnderLock(2);
    const s = await setup({ auth: readFixtureText("codex/auth-expired.json"), emulator: { refreshResponses: "fixture" }, wrapFile: torn.wrapFile });
    const credentials = await s.store.getCredentials();
    assert.equal(torn.seen.torn, 2);
    assert.equal(credentials.accessToken, refreshBody.access_token);
    assert.equal(s.emulator.tokenCalls.length, 1);
  });

  test("D8: a file that stays torn under the lock fails this refresh but never replaces the loaded credentials", async () => {
    const s = await setup({ auth: readFixtureText("codex/auth.json"), wrapFile: tornUnderLock(Number.POSITIVE_INFINITY).wrapFile });
    const loaded = await s.store.getCredentials();
    await assert.rejects(s.store.recoverFromUnauthorized(loaded));
    assert.equal((await s.store.status()).loaded, true, "the loaded credentials are kept");
    assert.equal((await s.store.getCredentials()).accessToken, loaded.accessToken);
    assert.equal(s.emulator.tokenCalls.length, 0);
  });

  test("an unreadable path is auth_unavailable naming the path and the I/O error", async () => {
    const s = await setup({ auth: null });
    await mkdir(s.path);
    await rejectsWith(s.store.getCredentials(), "auth_unavailable", /cannot read auth\.json at/, /EISDIR/);
    assert.match((await s.store.status()).error ?? "", /cannot read auth\.json at .*auth\.json/);
  });

  test("missing file: status reports it and getCredentials throws auth_unavailable naming the path; a later login is picked up", async () => {
    const s = await setup({ auth: null });
    const status = await s.store.status();
    assert.equal(status.path, s.path);
    assert.equal(status.loaded, false);
    assert.equal(status.accountId, false);
    assert.ok(status.error?.includes(`auth.json not found at ${s.path}`), status.error);
    await rejectsWith(s.store.getCredentials(), "auth_unavailable", /not found at/, /codex login/, /--auth-path/);
    await assert.rejects(s.store.getCredentials(), (error: Error) => error.message.includes(s.path));

    await s.writeAuth(readFixtureText("codex/auth.json"));
    s.clock.now += SECOND;
    assert.equal((await s.store.getCredentials()).accessToken, validAuth.tokens.access_token);
    assert.equal((await s.store.status()).loaded, true);
  });

  test("auth-no-account-id.json: the account id comes from the JWT", async () => {
    const s = await setup({ auth: readFixtureText("codex/auth-no-account-id.json") });
    const credentials = await s.store.getCredentials();
    assert.equal(credentials.accountId, ACCOUNT_ID);
    const status = await s.store.status();
    assert.deepEqual(status, { path: s.path, loaded: true, accountId: true, expiresAt: "2100-01-01T00:00:00.000Z" });
  });

  test("an API-key-only file or bad JSON is a clear auth_unavailable without the file content", async () => {
    const apiKey = await setup({ auth: { auth_mode: "apikey", OPENAI_API_KEY: "sk-fixture-NOT-REAL" } });
    await rejectsWith(apiKey.store.getCredentials(), "auth_unavailable", /API key/, /codex login/);

    const broken = await setup({ auth: `{"tokens": {"refresh_token": "${validAuth.tokens.refresh_token}"` });
    await assert.rejects(broken.store.getCredentials(), (error: Error) => {
      assert.ok(isProxyError(error) && error.kind === "auth_unavailable");
      assert.match(error.message, /not valid JSON/);
      assert.ok(error.message.includes(broken.path));
      assert.ok(!error.message.includes(validAuth.tokens.refresh_token));
      return true;
    });
    assert.match((await broken.store.status()).error ?? "", /not valid JSON/);
  });
});

describe("auth.json that cannot be written after a refresh (D1)", () => {
  const ioError = (code: string) => Object.assign(new Error(`${code}: injected`), { code });
  const diskTokens = async (path: string) => (JSON.parse(await readFile(path, "utf8")) as AuthJson).tokens;
  const issuedRefreshToken = (emulator: Emulator, index: number) =>
    (emulator.tokenCalls[index]?.responseBody as { refresh_token?: string } | undefined)?.refresh_token;

  test("a rename that fails (EBUSY, a single-file bind mount) falls back to an in-place write of the new tokens", async () => {
    const s = await setup({
      auth: readFixtureText("codex/auth-expired.json"),
      wrapFile: (file) => ({ ...file, writeAtomic: async () => Promise.reject(ioError("EBUSY")) }),
    });
    const credentials = await s.store.getCredentials();
    assert.notEqual(credentials.accessToken, expiredAuth.tokens.access_token);
    const onDisk = await diskTokens(s.path);
    assert.equal(onDisk.access_token, credentials.accessToken);
    assert.equal(onDisk.refresh_token, issuedRefreshToken(s.emulator, 0));
    assert.deepEqual((JSON.parse(await readFile(s.path, "utf8")) as AuthJson).x_fixture_unknown_top_level, expiredAuth.x_fixture_unknown_top_level);
    assert.ok(s.lines.some((line) => line.startsWith("warn ") && line.includes("in place") && line.includes("EBUSY")));
    assert.equal((await s.store.status()).error, undefined);
  });

  test("a temp file that cannot be created (a real ENAMETOOLONG) falls back to an in-place write", async () => {
    // The temp file's name is the file's name plus 42 characters: over the file system's 255 when this one is 220.
    const s = await setup({ auth: readFixtureText("codex/auth-expired.json"), name: `${"a".repeat(215)}.json` });
    const credentials = await s.store.getCredentials();
    assert.equal((await diskTokens(s.path)).access_token, credentials.accessToken);
    assert.ok(
      s.lines.some((line) => line.includes("in place") && line.includes("ENAMETOOLONG")),
      s.lines.join("\n"),
    );
    assert.deepEqual((await readdir(join(s.path, ".."))).length, 1, "no temp file is left");
  });

  test("when neither write works the new tokens are served from memory, the stale file is never used again, and they are written once possible", async () => {
    let broken = true;
    const s = await setup({
      auth: readFixtureText("codex/auth-expired.json"),
      wrapFile: (file) => ({
        ...file,
        writeAtomic: (text) => (broken ? Promise.reject(ioError("EROFS")) : file.writeAtomic(text)),
        writeInPlace: (text) => (broken ? Promise.reject(ioError("EROFS")) : file.writeInPlace(text)),
      }),
    });
    const first = await s.store.getCredentials();
    assert.notEqual(first.accessToken, expiredAuth.tokens.access_token);
    assert.equal((await diskTokens(s.path)).refresh_token, expiredAuth.tokens.refresh_token, "the file could not be written");
    assert.match((await s.store.status()).error ?? "", /kept in memory only/);
    assert.match((await s.store.status()).error ?? "", /EROFS/);
    assert.ok(s.lines.some((line) => line.startsWith("error ") && line.includes("serving the new tokens from memory")));

    s.clock.now += 2 * SECOND; // the next check re-reads the stale file: memory keeps the live tokens
    assert.equal((await s.store.getCredentials()).accessToken, first.accessToken);
    // An upstream 401 forces a re-read and a refresh: it must spend the new refresh token, not the file's.
    s.emulator.invalidateAccessToken(first.accessToken);
    const second = await s.store.recoverFromUnauthorized(first);
    assert.notEqual(second.accessToken, first.accessToken);
    assert.equal(s.emulator.tokenCalls.length, 2);
    assert.equal((s.emulator.tokenCalls[1]?.body as { refresh_token?: string }).refresh_token, issuedRefreshToken(s.emulator, 0));
    assert.deepEqual(
      s.emulator.tokenCalls.map((call) => call.status),
      [200, 200],
      "no token call with a used refresh token",
    );

    broken = false; // the mount or the disk is fixed: the tokens in memory reach the file within UNSAVED_RETRY_MS
    s.clock.now += 31 * SECOND;
    assert.equal((await s.store.getCredentials()).accessToken, second.accessToken);
    for (let i = 0; i < 100 && (await diskTokens(s.path)).access_token !== second.accessToken; i++) await sleep(10);
    const onDisk = await diskTokens(s.path);
    assert.equal(onDisk.access_token, second.accessToken);
    assert.equal(onDisk.refresh_token, issuedRefreshToken(s.emulator, 1));
    assert.equal((await s.store.status()).error, undefined);
    assert.equal(s.emulator.tokenCalls.length, 2);
    assertNoSecrets(s.lines, [...FIXTURE_SECRETS, ...tokensIssuedBy(s.emulator)]);
  });
});

describe("logging", () => {
  test("no token, refresh token or id_token appears in any log line, debug included", async () => {
    const s = await setup({ auth: readFixtureText("codex/auth-expired.json"), emulator: { refreshResponses: "fixture" } });
    await s.store.getCredentials(); // refresh + rewrite
    const minted = mintedAuth(s.emulator, { expiresInSeconds: 30 });
    await s.writeAuth(minted.json);
    s.clock.now += SECOND;
    await s.store.getCredentials(); // reload + a second (minting) refresh
    s.emulator.markRefreshToken(JSON.parse(await readFile(s.path, "utf8")).tokens.refresh_token, "used");
    await s.store.recoverFromUnauthorized(await s.store.getCredentials()).catch(() => undefined); // terminal failure
    await s.writeAuth(`{"tokens":{"access_token":"${minted.tokens.accessToken}"`); // torn JSON holding a token
    s.clock.now += SECOND;
    await s.store.status();
    await unlink(s.path);
    s.clock.now += SECOND;
    await s.store.status();

    assert.ok(
      s.lines.some((line) => line.includes("refreshed the access token")),
      "the refresh was logged",
    );
    assert.ok(
      s.lines.some((line) => line.startsWith("debug ")),
      "debug lines were captured",
    );
    assert.equal(s.emulator.tokenCalls.length, 3);
    assertNoSecrets(s.lines, [...FIXTURE_SECRETS, ...tokensIssuedBy(s.emulator), minted.tokens.accessToken, minted.tokens.refreshToken, minted.tokens.idToken]);
  });
});

// Guards the helper itself: makeJwt tokens decode the way the store expects.
test("a hand-made JWT without an account claim gives credentials without an account id", async () => {
  const s = await setup({ auth: { tokens: { access_token: makeJwt({ exp: START / 1000 + 3600 }), refresh_token: "r-NOT-REAL" } } });
  const credentials = await s.store.getCredentials();
  assert.equal(credentials.accountId, undefined);
  assert.equal(credentials.expiresAt, START + 3600 * SECOND);
  assert.ok(s.lines.some((line) => line.startsWith("warn ") && line.includes("account id")));
});
