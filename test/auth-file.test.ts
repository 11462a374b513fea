// auth.json as a file: reading its variants (spec §2.2, §2.4), the JSON patch of a refresh (§3.5, golden
// fixture), and the runtime AuthFile implementations (atomic replace, mode, lock file) on real temp files.
import assert from "node:assert/strict";
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { spawnSync } from "node:child_process";
import { createDenoAuthFile } from "../runtimes/io/auth-file-deno.ts";
import { createNodeAuthFile } from "../runtimes/io/auth-file-node.ts";
import { decodeJwtPayload, readJwtAccountId, readJwtExpiry } from "../src/auth/jwt.ts";
import { patchAuthFile } from "../src/auth/patch-auth-file.ts";
import { readRefreshErrorCode } from "../src/auth/refresh-token.ts";
import { resolveCredentials } from "../src/auth/resolve-credentials.ts";
import type { AuthFile } from "../src/auth/types.ts";
import { makeJwt } from "./support/jwt.ts";
import { readFixtureJson, readFixtureText } from "./support/read-fixture.ts";
import { RUNTIME } from "./support/runtime.ts";

const ACCOUNT_ID = "3f6b1c2e-8d4a-4f0b-9c7e-5a1d2b3c4e5f";
const AUTH_CLAIM = "https://api.openai.com/auth";
const REFRESHED_AT = Date.parse("2026-07-20T10:00:00.000Z");

interface AuthJson {
  tokens: { id_token: string; access_token: string; refresh_token: string; account_id: string | null };
  [key: string]: unknown;
}
interface RefreshFixture {
  body: { id_token: string; access_token: string; refresh_token: string; expires_in: number };
}

const refreshBody = readFixtureJson<RefreshFixture>("codex/refresh-response.json").body;
const validAuth = readFixtureJson<AuthJson>("codex/auth.json");

const tempDirs: string[] = [];
const makeTempDir = async (): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), "godex-auth-file-"));
  tempDirs.push(dir);
  return dir;
};
after(async () => {
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
});

describe("JWT payload decoding", () => {
  test("reads exp and the account claim from a fixture access token without verifying it", () => {
    assert.equal(readJwtExpiry(validAuth.tokens.access_token), 4102444800_000);
    assert.equal(readJwtAccountId(validAuth.tokens.access_token), ACCOUNT_ID);
    assert.equal(decodeJwtPayload(validAuth.tokens.access_token)?.email, undefined); // email lives in the profile claim here
    assert.equal(decodeJwtPayload(validAuth.tokens.id_token)?.email, "dev@example.test");
  });

  test("decodes multibyte UTF-8 and unpadded base64url payloads", () => {
    const payload = { name: "Zoë × °", exp: 1, pad: "?>" };
    const segment = btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(payload))))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");
    assert.deepEqual(decodeJwtPayload(`e30.${segment}.sig`), payload);
  });

  test("anything that is not a JWT gives no claims instead of throwing", () => {
    for (const bad of ["", "opaque-token", "a..c", "a.!!!.c", `a.${btoa("[1,2]")}.c`, `a.${btoa("not json")}.c`]) {
      assert.equal(decodeJwtPayload(bad), null, bad);
      assert.equal(readJwtExpiry(bad), undefined);
    }
  });
});

describe("resolveCredentials (auth.json variants, spec §2.2 and §2.4)", () => {
  test("the CLI's file: tokens.account_id, exp from the access token, nanosecond last_refresh", () => {
    const auth = resolveCredentials(readFixtureText("codex/auth.json"), "/h/auth.json");
    assert.ok(auth.ok);
    assert.equal(auth.accessToken, validAuth.tokens.access_token);
    assert.equal(auth.refreshToken, "fixture-refresh-token-0001-NOT-REAL");
    assert.equal(auth.accountId, ACCOUNT_ID);
    assert.equal(auth.expiresAt, Date.parse("2100-01-01T00:00:00Z"));
    assert.equal(auth.lastRefreshAt, Date.parse("2026-07-19T08:15:30.123Z"));
  });

  test("account_id null: the id comes from the access-token claim", () => {
    const auth = resolveCredentials(readFixtureText("codex/auth-no-account-id.json"), "/h/auth.json");
    assert.ok(auth.ok);
    assert.equal(auth.accountId, ACCOUNT_ID);
  });

  test("the access-token claim wins over the id_token claim", () => {
    const tokens = {
      access_token: makeJwt({ exp: 4102444800, [AUTH_CLAIM]: { chatgpt_account_id: "from-access-token" } }),
      id_token: makeJwt({ [AUTH_CLAIM]: { chatgpt_account_id: "from-id-token" } }),
      account_id: null,
    };
    const auth = resolveCredentials(JSON.stringify({ tokens }), "/h/auth.json");
    assert.ok(auth.ok);
    assert.equal(auth.accountId, "from-access-token");
  });

  test("account id falls back to the id_token claim, then the legacy object form", () => {
    const opaque = { ...validAuth.tokens, access_token: "not-a-jwt", account_id: null };
    const fromIdToken = resolveCredentials(JSON.stringify({ tokens: opaque }), "/h/auth.json");
    assert.ok(fromIdToken.ok);
    assert.equal(fromIdToken.accountId, ACCOUNT_ID);

    const legacy = { ...opaque, id_token: { raw_jwt: "not-a-jwt-either", chatgpt_account_id: "legacy-account" } };
    const fromLegacy = resolveCredentials(JSON.stringify({ tokens: legacy }), "/h/auth.json");
    assert.ok(fromLegacy.ok);
    assert.equal(fromLegacy.accountId, "legacy-account");
    assert.equal(fromLegacy.expiresAt, undefined);

    const none = resolveCredentials(JSON.stringify({ tokens: { access_token: "not-a-jwt" } }), "/h/auth.json");
    assert.ok(none.ok);
    assert.equal(none.accountId, undefined);
  });

  test("an API-key-only file is refused with a clear message", () => {
    for (const text of [
      JSON.stringify({ auth_mode: "apikey", OPENAI_API_KEY: "sk-fixture-NOT-REAL" }),
      JSON.stringify({ OPENAI_API_KEY: "sk-fixture-NOT-REAL", tokens: null }),
    ]) {
      const auth = resolveCredentials(text, "/h/auth.json");
      assert.equal(auth.ok, false);
      assert.ok(!auth.ok && auth.code === "auth_file_api_key_only");
      assert.match(auth.message, /\/h\/auth\.json/);
      assert.match(auth.message, /API key/);
      assert.match(auth.message, /codex login/);
      assert.doesNotMatch(auth.message, /sk-fixture/);
    }
  });

  test("missing file: names the path, codex login, --auth-path and the keyring setting", () => {
    const auth = resolveCredentials(null, "/home/me/.codex/auth.json");
    assert.ok(!auth.ok);
    assert.equal(auth.code, "auth_file_not_found");
    assert.match(auth.message, /^auth\.json not found at \/home\/me\/\.codex\/auth\.json: /);
    assert.match(auth.message, /codex login/);
    assert.match(auth.message, /--auth-path/);
    assert.match(auth.message, /cli_auth_credentials_store/);
  });

  test("bad JSON or a wrong shape names the path but never the content", () => {
    const secret = "fixture-refresh-token-0001-NOT-REAL";
    for (const text of [`{"tokens": {"refresh_token": "${secret}"`, `{"tokens": {"access_token": 42, "refresh_token": "${secret}"}}`]) {
      const auth = resolveCredentials(text, "/h/auth.json");
      assert.ok(!auth.ok);
      assert.equal(auth.code, "auth_file_invalid");
      assert.match(auth.message, /\/h\/auth\.json/);
      assert.ok(!auth.message.includes(secret), auth.message);
    }
  });
});

describe("patchAuthFile (spec §3.5)", () => {
  test("golden: refresh-response.json applied to auth-expired.json gives auth-after-refresh.json byte for byte", () => {
    const patched = patchAuthFile(
      readFixtureText("codex/auth-expired.json"),
      { idToken: refreshBody.id_token, accessToken: refreshBody.access_token, refreshToken: refreshBody.refresh_token },
      REFRESHED_AT,
    );
    assert.equal(patched, readFixtureText("codex/auth-after-refresh.json"));
  });

  test("only the fields present change; no trailing newline is added when there was none", () => {
    const original = readFixtureText("codex/auth.json").trimEnd();
    const patched = patchAuthFile(original, { accessToken: "new-access" }, REFRESHED_AT);
    assert.ok(!patched.endsWith("\n"));
    const before = JSON.parse(original) as AuthJson;
    const after = JSON.parse(patched) as AuthJson;
    assert.deepEqual(Object.keys(after), Object.keys(before));
    assert.deepEqual(Object.keys(after.tokens), Object.keys(before.tokens));
    assert.equal(after.tokens.access_token, "new-access");
    assert.equal(after.tokens.refresh_token, before.tokens.refresh_token);
    assert.equal(after.tokens.id_token, before.tokens.id_token);
    assert.equal(after.tokens.account_id, ACCOUNT_ID);
    assert.equal(after.OPENAI_API_KEY, null);
    assert.equal(after.last_refresh, "2026-07-20T10:00:00.000Z");
  });

  test("account_id is set only when the new tokens carry a different non-empty one", () => {
    const unchanged = patchAuthFile(readFixtureText("codex/auth.json"), { accessToken: refreshBody.access_token }, REFRESHED_AT);
    assert.equal((JSON.parse(unchanged) as AuthJson).tokens.account_id, ACCOUNT_ID);
    const filled = patchAuthFile(readFixtureText("codex/auth-no-account-id.json"), { accessToken: refreshBody.access_token }, REFRESHED_AT);
    assert.equal((JSON.parse(filled) as AuthJson).tokens.account_id, ACCOUNT_ID);
    const opaque = patchAuthFile(readFixtureText("codex/auth-no-account-id.json"), { accessToken: "opaque" }, REFRESHED_AT);
    assert.equal((JSON.parse(opaque) as AuthJson).tokens.account_id, null);
    assert.ok(!("auth_mode" in (JSON.parse(opaque) as AuthJson)), "auth_mode must not be invented");
  });

  test("a legacy object id_token is written back as a string", () => {
    const legacy = { tokens: { id_token: { raw_jwt: "legacy.jwt.value", chatgpt_account_id: "x" }, access_token: "a", refresh_token: "r" } };
    const kept = JSON.parse(patchAuthFile(JSON.stringify(legacy), { accessToken: "b" }, REFRESHED_AT)) as AuthJson;
    assert.equal(kept.tokens.id_token, "legacy.jwt.value");
    const replaced = JSON.parse(patchAuthFile(JSON.stringify(legacy), { idToken: "new.id.token" }, REFRESHED_AT)) as AuthJson;
    assert.equal(replaced.tokens.id_token, "new.id.token");
  });
});

describe("readRefreshErrorCode (spec §3.3: three places)", () => {
  test("error.code, error as a string, top-level code", () => {
    assert.equal(readRefreshErrorCode({ error: { code: "refresh_token_reused" } }), "refresh_token_reused");
    assert.equal(readRefreshErrorCode({ error: "refresh_token_expired" }), "refresh_token_expired");
    assert.equal(readRefreshErrorCode({ code: "refresh_token_invalidated" }), "refresh_token_invalidated");
    assert.equal(readRefreshErrorCode({ error: { message: "no code" } }), undefined);
    assert.equal(readRefreshErrorCode("refresh_token_reused"), undefined);
  });
});

const isDeno = "Deno" in globalThis;
const implementations: Array<{ name: string; create: typeof createNodeAuthFile; skip: string | false }> = [
  { name: "createNodeAuthFile", create: createNodeAuthFile, skip: false },
  { name: "createDenoAuthFile", create: createDenoAuthFile, skip: isDeno ? false : "Deno APIs exist only under deno test" },
];

for (const { name, create, skip } of implementations) {
  describe(name, () => {
    const setup = async (content?: string): Promise<{ dir: string; path: string; file: AuthFile }> => {
      const dir = await makeTempDir();
      const path = join(dir, "auth.json");
      if (content !== undefined) await writeFile(path, content, { mode: 0o600 });
      return { dir, path, file: create(path, { waitMs: 300, pollMs: 10 }) };
    };

    test("read and version are null while the file does not exist", { skip }, async () => {
      const { file, path } = await setup();
      assert.equal(file.path, path);
      assert.equal(await file.read(), null);
      assert.equal(await file.version(), null);
    });

    test("read throws on I/O errors other than a missing file", { skip }, async () => {
      const dir = await makeTempDir();
      const path = join(dir, "auth.json");
      await mkdir(path); // reading a directory fails (EISDIR), which is not "no file"
      await assert.rejects(create(path).read());
      assert.equal(typeof (await create(path).version()), "string");
    });

    test("version changes when another process replaces the file", { skip }, async () => {
      const { file, path } = await setup("{}\n");
      const first = await file.version();
      assert.equal(typeof first, "string");
      assert.equal(await file.version(), first);
      await writeFile(path, '{"changed":true}\n');
      assert.notEqual(await file.version(), first);
      assert.equal(await file.read(), '{"changed":true}\n');
    });

    test("writeAtomic replaces the content, keeps mode 0600 and leaves no temp file", { skip }, async () => {
      const { dir, file, path } = await setup(readFixtureText("codex/auth.json"));
      await chmod(path, 0o600);
      await file.writeAtomic('{"a":1}\n');
      assert.equal(await readFile(path, "utf8"), '{"a":1}\n');
      assert.equal((await stat(path)).mode & 0o777, 0o600);
      assert.deepEqual(await readdir(dir), ["auth.json"]);
    });

    test("writeAtomic keeps another mode of the original and creates a new file as 0600", { skip }, async () => {
      const { dir, file, path } = await setup("{}\n");
      await chmod(path, 0o660); // group-writable: the umask would strip that from a plain open()
      await file.writeAtomic("{}\n");
      assert.equal((await stat(path)).mode & 0o777, 0o660);
      const fresh = create(join(dir, "new-auth.json"));
      await fresh.writeAtomic("{}\n");
      assert.equal((await stat(join(dir, "new-auth.json"))).mode & 0o777, 0o600);
    });

    test("a failed writeAtomic removes its temp file and leaves the target untouched", { skip }, async () => {
      const dir = await makeTempDir();
      const path = join(dir, "auth.json");
      await mkdir(path); // rename() of a file over a directory fails
      await writeFile(join(path, "inside"), "kept");
      await assert.rejects(create(path).writeAtomic('{"a":1}\n'));
      assert.deepEqual(await readdir(dir), ["auth.json"]);
      assert.equal(await readFile(join(path, "inside"), "utf8"), "kept");
    });

    test("writeInPlace overwrites the same inode, shorter or longer, and keeps the mode", { skip }, async () => {
      const { dir, file, path } = await setup('{"long":"' + "x".repeat(100) + '"}\n');
      await chmod(path, 0o640);
      const inode = (await stat(path)).ino;
      await file.writeInPlace('{"a":1}\n');
      assert.equal(await readFile(path, "utf8"), '{"a":1}\n');
      await file.writeInPlace('{"longer":"' + "y".repeat(300) + '"}\n');
      assert.equal(await readFile(path, "utf8"), '{"longer":"' + "y".repeat(300) + '"}\n');
      assert.equal((await stat(path)).ino, inode, "the same file, not a replacement");
      assert.equal((await stat(path)).mode & 0o777, 0o640);
      assert.deepEqual(await readdir(dir), ["auth.json"]);
    });

    test("writeInPlace refuses a file that does not exist", { skip }, async () => {
      const { file, dir } = await setup();
      await assert.rejects(file.writeInPlace("{}\n"));
      assert.deepEqual(await readdir(dir), []);
    });

    test("lock is exclusive: a second holder waits until the first releases", { skip }, async () => {
      const { path, file } = await setup("{}\n");
      const release = await file.lock();
      assert.ok((await readdir(join(path, ".."))).includes("auth.json.lock"));
      let second = false;
      const waiting = file.lock().then((releaseSecond) => {
        second = true;
        return releaseSecond;
      });
      await new Promise((resolve) => setTimeout(resolve, 60));
      assert.equal(second, false, "the second lock must wait");
      await release();
      const releaseSecond = await waiting;
      assert.equal(second, true);
      await releaseSecond();
      assert.ok(!(await readdir(join(path, ".."))).includes("auth.json.lock"));
    });

    test("lock gives up with a clear error while someone else holds it", { skip }, async () => {
      const { path, file } = await setup("{}\n");
      await writeFile(`${path}.lock`, "another process\n");
      await assert.rejects(file.lock(), (error: Error) => error.message.includes(`${path}.lock`));
      assert.equal(await readFile(`${path}.lock`, "utf8"), "another process\n", "a live lock is not removed");
    });

    test("a stale lock (older than 30 s) is removed and taken over", { skip }, async () => {
      const { path } = await setup("{}\n");
      await writeFile(`${path}.lock`, "crashed process\n");
      const old = new Date(Date.now() - 60_000);
      await utimes(`${path}.lock`, old, old);
      const release = await create(path, { waitMs: 300, pollMs: 10 }).lock();
      assert.notEqual(await readFile(`${path}.lock`, "utf8"), "crashed process\n");
      await release();
    });

    /** Rejects when `promise` is still pending after `ms`: a lock() that spins fails the test instead of hanging it. */
    const within = <T>(promise: Promise<T>, ms: number): Promise<T> =>
      Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`lock() still busy after ${ms} ms`)), ms))]);
    const age = async (target: string, ms: number) => {
      const when = new Date(Date.now() - ms);
      await utimes(target, when, when);
    };

    test("a stale lock that is a folder counts as held: lock() gives up by its deadline, says so, and leaves it (D6)", { skip }, async () => {
      const { path, file } = await setup("{}\n");
      await mkdir(`${path}.lock`);
      await writeFile(join(`${path}.lock`, "owner"), "mkdir-style lock\n");
      await age(`${path}.lock`, 60_000);
      await assert.rejects(within(file.lock(), 3_000), (error: Error & { code?: string; retryInMs?: number }) => {
        assert.equal(error.code, "ELOCKED");
        assert.match(error.message, /auth\.json\.lock is left over and cannot be removed/);
        assert.equal(error.retryInMs, undefined, "no lease ends for a lock nobody can remove");
        return true;
      });
      assert.ok((await lstat(`${path}.lock`)).isDirectory(), "left for a human");
    });

    test("a dangling symlink as the lock: held while fresh, taken over once older than the lease (lstat, D6)", { skip }, async () => {
      const { path, file } = await setup("{}\n");
      await symlink("otherhost:12345", `${path}.lock`); // `ln -s host:pid file.lock`-style locks
      await assert.rejects(within(file.lock(), 3_000), /is held by another process/);
      const old = Math.floor((Date.now() - 60_000) / 1000);
      assert.equal(spawnSync("touch", ["-h", "-d", `@${old}`, `${path}.lock`]).status, 0);
      const release = await within(file.lock(), 3_000);
      assert.ok((await lstat(`${path}.lock`)).isFile(), "our own lock replaced the leftover");
      await release();
      assert.deepEqual(await readdir(join(path, "..")), ["auth.json"]);
    });

    test("a held lock's error says when its lease ends: 30 s after the lock's last write (issue 18 item 5)", { skip }, async () => {
      const { path, file } = await setup("{}\n");
      await writeFile(`${path}.lock`, "a process killed mid-refresh\n");
      await age(`${path}.lock`, 25_000);
      await assert.rejects(file.lock(), (error: Error & { retryInMs?: number }) => {
        assert.ok(error.retryInMs !== undefined && error.retryInMs > 3_500 && error.retryInMs <= 5_000, String(error.retryInMs));
        return true;
      });
    });

    test("release leaves a lock that is no longer ours in place", { skip }, async () => {
      const { path, file } = await setup("{}\n");
      const release = await file.lock();
      await writeFile(`${path}.lock`, "someone who judged ours stale\n");
      await release();
      assert.equal(await readFile(`${path}.lock`, "utf8"), "someone who judged ours stale\n");
    });
  });
}

describe(`the lock file at exit on ${RUNTIME} (red-team D2)`, () => {
  test("a process that exits while it holds the lock removes it; someone else's lock stays", async () => {
    const dir = await makeTempDir();
    const path = join(dir, "auth.json");
    await writeFile(path, "{}\n");
    const script = "test/support/hold-lock.ts";
    const [command, args] =
      RUNTIME === "bun"
        ? ["node_modules/.bin/bun", [script]]
        : RUNTIME === "deno"
          ? ["node_modules/.bin/deno", ["run", "-A", script]]
          : ["node_modules/.bin/tsx", [script]];
    const run = spawnSync(command, [...args, path], { encoding: "utf8", timeout: 30_000 });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /locked/);
    assert.deepEqual(await readdir(dir), ["auth.json"], "the exit removed the lock it held");

    await writeFile(`${path}.lock`, "another process\n");
    const blocked = spawnSync(command, [...args, path, "200"], { encoding: "utf8", timeout: 30_000 });
    assert.notEqual(blocked.status, 0, "cannot take a live lock");
    assert.equal(await readFile(`${path}.lock`, "utf8"), "another process\n");
  });
});
