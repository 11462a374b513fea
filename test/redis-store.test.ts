// The Redis store, the Redis refresh coordinator and the sealed shared tokens against a real redis-server
// (issue #10 items 1–4), in process on every runtime; plus the --store and --share-credentials flags.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createClient } from "@redis/client";
import { createNodeAuthFile } from "../runtimes/io/auth-file-node.ts";
import { connectRedis } from "../runtimes/io/redis.ts";
import { connectRedisClient, type RedisClient } from "../runtimes/io/redis-client.ts";
import { createRedisCoordinator } from "../runtimes/io/redis-coordinator.ts";
import { createOutageReporter } from "../runtimes/io/redis-outage.ts";
import { createRedisStore, toRedisKey } from "../runtimes/io/redis-store.ts";
import { createAuthStore } from "../src/auth/auth-store.ts";
import { importStoreKey, openTokens, sealTokens } from "../src/auth/sealed-tokens.ts";
import type { AuthStore, RefreshCoordinator, SharedTokens } from "../src/auth/types.ts";
import { parseConfig } from "../src/config/parse-config.ts";
import { createLogger, type Logger } from "../src/log.ts";
import type { SharedState } from "../src/start.ts";
import { createSessionCache } from "../src/session/session-cache.ts";
import { createEmulator } from "./emulator/index.ts";
import { readFixtureJson, readFixtureText } from "./support/read-fixture.ts";
import { startRedisServer, type RedisServer } from "./support/redis-server.ts";

const START = Date.parse("2026-07-20T10:00:00.000Z");
const STORE_KEY = "test-store-key-0123456789abcdefghijklmnopqrstuvwxyz";
const fixture = readFixtureJson<{ tokens: { access_token: string; refresh_token: string; id_token: string } }>("codex/auth.json");

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const capture = (): { logger: Logger; lines: string[] } => {
  const lines: string[] = [];
  return { lines, logger: createLogger({ level: "debug", write: (line) => lines.push(line) }) };
};
/** Polls `check` until it holds (or fails after `ms`). */
const eventually = async (what: string, check: () => Promise<boolean>, ms = 5_000) => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await sleep(20);
  }
};
let prefixes = 0;
const freshPrefix = () => `godex:test:${Date.now()}:${++prefixes}:`;

describe("--store and --share-credentials flags (issue #10)", () => {
  const parse = (argv: string[], env: Record<string, string> = {}) => parseConfig({ argv: ["--allow-any-key", ...argv], env, home: "/home/t" });

  test("--store takes redis:// and rediss:// URLs with an optional database number; the default is none (in memory)", () => {
    for (const url of ["redis://127.0.0.1:6379/0", "rediss://cache.internal:6380/3", "redis://:pw@10.0.0.5:6379", "redis://localhost"]) {
      const result = parse(["--store", url]);
      assert.equal(result.kind === "config" ? result.config.store : result.kind, url);
    }
    const env = parse([], { GODEX_PROXY_STORE: "redis://127.0.0.1:6379/1" });
    assert.equal(env.kind === "config" ? env.config.store : env.kind, "redis://127.0.0.1:6379/1");
    const none = parse([]);
    assert.equal(none.kind === "config" ? none.config.store : "error", undefined);
    assert.equal(none.kind === "config" ? none.config.shareCredentials : "error", false);
  });

  test("a bad --store exits 2 naming the flag, and never echoes a password", () => {
    for (const bad of ["http://127.0.0.1:6379", "redis://127.0.0.1:6379/zero", "127.0.0.1:6379", "redis://"]) {
      const result = parse(["--store", bad]);
      assert.equal(result.kind, "error", bad);
      assert.match(result.kind === "error" ? result.message : "", /^--store: expected a Redis URL like redis:\/\/127\.0\.0\.1:6379\/0/);
    }
    const secret = parse(["--store", "redis://user:hunter2@host:6379/x"]);
    assert.equal(secret.kind, "error");
    assert.doesNotMatch(secret.kind === "error" ? secret.message : "hunter2", /hunter2/);
    assert.match(secret.kind === "error" ? secret.message : "", /user:\*\*\*@host/);
  });

  test("--share-credentials needs --store and a GODEX_PROXY_STORE_KEY of 32 characters or more", () => {
    const alone = parse(["--share-credentials"], { GODEX_PROXY_STORE_KEY: STORE_KEY });
    assert.match(alone.kind === "error" ? alone.message : "", /^--share-credentials: needs --store/);
    const noKey = parse(["--share-credentials", "--store", "redis://127.0.0.1:6379"]);
    assert.match(noKey.kind === "error" ? noKey.message : "", /GODEX_PROXY_STORE_KEY.*at least 32 characters/);
    const shortKey = parse(["--share-credentials", "--store", "redis://127.0.0.1:6379"], { GODEX_PROXY_STORE_KEY: "short" });
    assert.equal(shortKey.kind, "error");
    const ok = parse(["--share-credentials", "--store", "redis://127.0.0.1:6379"], { GODEX_PROXY_STORE_KEY: STORE_KEY });
    assert.equal(ok.kind === "config" ? ok.config.shareCredentials : ok.kind, true);
  });
});

describe("sealed shared tokens: AES-GCM through Web Crypto (issue #10 item 3)", () => {
  const tokens: SharedTokens = {
    accessToken: fixture.tokens.access_token,
    refreshToken: fixture.tokens.refresh_token,
    idToken: fixture.tokens.id_token,
    refreshedAt: START,
  };

  test("a sealed value opens with the same secret, hides every token, and never repeats", async () => {
    const key = await importStoreKey(STORE_KEY);
    const first = await sealTokens(key, tokens);
    const second = await sealTokens(key, tokens);
    assert.notEqual(first, second, "a fresh IV per seal");
    for (const secret of [tokens.accessToken, tokens.refreshToken!, "fixture-refresh-token", "NOT-REAL"]) assert.ok(!first.includes(secret));
    assert.deepEqual(await openTokens(await importStoreKey(STORE_KEY), first), tokens);
  });

  test("another secret or a changed byte fails to open, with a message naming GODEX_PROXY_STORE_KEY", async () => {
    const sealed = await sealTokens(await importStoreKey(STORE_KEY), tokens);
    await assert.rejects(openTokens(await importStoreKey(`${STORE_KEY}-other`), sealed), /same GODEX_PROXY_STORE_KEY/);
    const last = sealed.at(-2) === "A" ? "B" : "A";
    const tampered = `${sealed.slice(0, -2)}${last}${sealed.at(-1)}`;
    await assert.rejects(openTokens(await importStoreKey(STORE_KEY), tampered), /cannot decrypt/);
    await assert.rejects(openTokens(await importStoreKey(STORE_KEY), "v0.x.y"), /unknown format/);
  });
});

describe("Redis session store on a real redis-server (issue #10 items 1, 2)", () => {
  let redis: RedisServer;
  let raw: RedisClient;
  const opened: { close(): Promise<unknown> }[] = [];
  const clock = { now: START };
  const { logger } = capture();
  const outage = createOutageReporter({ logger, now: () => clock.now });
  const connect = async (): Promise<RedisClient> => {
    const client = await connectRedisClient(redis.url(0), outage);
    opened.push(client);
    return client;
  };

  before(async () => {
    redis = await startRedisServer();
    raw = createClient({ url: redis.url(0) }) as RedisClient;
    raw.on("error", () => undefined);
    await raw.connect();
  });
  after(async () => {
    for (const client of opened) await client.close().catch(() => undefined);
    await raw?.close().catch(() => undefined);
    await redis?.kill();
  });

  test("keys are namespaced and the session part hashed; another connection reads what one wrote", async () => {
    const prefix = freshPrefix();
    const writer = createSessionCache({ store: createRedisStore({ client: await connect(), prefix, ttlMs: 60_000, outage, logger }), ttlMs: 60_000 });
    const reader = createSessionCache({ store: createRedisStore({ client: await connect(), prefix, ttlMs: 60_000, outage, logger }), ttlMs: 60_000 });
    const session = "alice@example.com:agent:main";
    await writer.setInstructions(session, "Be brief.");
    const call = { type: "function_call", call_id: "call_1:x", name: "f", arguments: "{}" };
    await writer.rememberCalls(session, [call]);

    const keys = (await raw.keys(`${prefix}*`)).sort();
    assert.deepEqual(
      keys,
      [
        toRedisKey(prefix, `call:${session.length}:${session}:call_1:x`),
        toRedisKey(prefix, `calls:${session.length}:${session}`),
        toRedisKey(prefix, `instructions:${session}`),
      ].sort(),
    );
    for (const key of keys) {
      assert.match(key, new RegExp(`^${prefix}(instructions|calls?):[A-Za-z0-9_-]{43}$`));
      assert.ok(!key.includes("alice") && !key.includes("call_1"), key);
    }
    assert.equal(await reader.getInstructions(session), "Be brief.");
    assert.deepEqual([...(await reader.getCalls(session, ["call_1:x", "call_2"])).entries()], [["call_1:x", call]]);
    assert.equal(await reader.getInstructions("bob"), undefined);
  });

  test("entries carry the TTL, a hit extends it like the in-memory store, and an expired entry is gone", async () => {
    const prefix = freshPrefix();
    const store = createRedisStore({ client: await connect(), prefix, ttlMs: 60_000, outage, logger });
    await store.set("instructions:s", "x", 5_000);
    const key = toRedisKey(prefix, "instructions:s");
    const before = await raw.pTTL(key);
    assert.ok(before > 4_000 && before <= 5_000, `PTTL ${before}`);
    assert.equal(await store.get("instructions:s"), "x");
    assert.ok((await raw.pTTL(key)) > 50_000, "a read slides the expiry to --cache-ttl");

    await store.set("instructions:short", "y", 100);
    await sleep(250);
    assert.equal(await store.get("instructions:short"), undefined);
    await store.delete("instructions:s");
    assert.equal(await store.get("instructions:s"), undefined);
    assert.equal(await raw.exists(key), 0);
  });

  test("values above the size bound (counted in UTF-8 bytes) are not stored", async () => {
    const prefix = freshPrefix();
    const store = createRedisStore({ client: await connect(), prefix, ttlMs: 60_000, outage, logger, maxValueBytes: 1_000 });
    await store.set("instructions:small", "a".repeat(900), 60_000);
    await store.set("instructions:ascii", "a".repeat(2_000), 60_000);
    await store.set("instructions:euro", "€".repeat(400), 60_000); // 400 characters, 1 200 bytes
    assert.equal(await store.get("instructions:small"), "a".repeat(900));
    assert.equal(await store.get("instructions:ascii"), undefined);
    assert.equal(await store.get("instructions:euro"), undefined);
    assert.deepEqual(await raw.keys(`${prefix}*`), [toRedisKey(prefix, "instructions:small")]);
  });

  test("connecting to a port where nothing listens rejects with the reason", async () => {
    const { logger: quiet } = capture();
    await assert.rejects(connectRedis({ url: "redis://127.0.0.1:1/0", ttlMs: 1_000, logger: quiet, now: () => START }), /ECONNREFUSED/);
  });
});

describe("Redis going away after start (issue #10 item 2)", () => {
  let redis: RedisServer;
  let shared: SharedState | undefined;
  after(async () => {
    await shared?.close();
    await redis?.kill();
  });

  test("reads miss, writes are dropped, one warning per minute; the store works again once Redis is back", async () => {
    redis = await startRedisServer();
    const clock = { now: START };
    const { logger, lines } = capture();
    shared = await connectRedis({ url: redis.url(0), ttlMs: 60_000, logger, now: () => clock.now, prefix: freshPrefix() });
    const cache = createSessionCache({ store: shared.store, ttlMs: 60_000 });
    await cache.setInstructions("s", "before");
    assert.equal(await cache.getInstructions("s"), "before");

    await redis.kill();
    const warnings = () => lines.filter((line) => line.includes("Redis unavailable")).length;
    for (let i = 0; i < 5; i++) {
      assert.equal(await cache.getInstructions("s"), undefined);
      await cache.setInstructions("s", "during");
      assert.deepEqual([...(await cache.getCalls("s", ["call_1"])).keys()], []);
    }
    assert.equal(warnings(), 1, lines.join("\n"));
    clock.now += 59_000;
    await cache.getInstructions("s");
    assert.equal(warnings(), 1, "not again within the minute");
    clock.now += 1_000;
    await cache.getInstructions("s");
    assert.equal(warnings(), 2, "again after a minute");
    await shared.coordinator.publishChanged(); // never throws, even now

    await redis.restart();
    await eventually(
      "the store works again",
      async () => {
        await cache.setInstructions("s", "after");
        return (await cache.getInstructions("s")) === "after";
      },
      15_000,
    );
    assert.ok(
      lines.some((line) => line.includes("Redis reachable again")),
      lines.join("\n"),
    );
  });
});

describe("refresh coordination over Redis (issue #10 item 3)", () => {
  let redis: RedisServer;
  const states: SharedState[] = [];
  const dirs: string[] = [];
  const extraClients: RedisClient[] = [];
  let raw: RedisClient;
  before(async () => {
    redis = await startRedisServer();
    raw = createClient({ url: redis.url(0) }) as RedisClient;
    raw.on("error", () => undefined);
    await raw.connect();
  });
  after(async () => {
    for (const state of states) await state.close();
    for (const client of extraClients) await client.close().catch(() => undefined);
    await raw?.close().catch(() => undefined);
    await redis?.kill();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });
  const connect = async (prefix: string, storeKey?: string, logger: Logger = capture().logger) => {
    const state = await connectRedis({ url: redis.url(0), ttlMs: 60_000, logger, now: () => START, prefix, storeKey });
    states.push(state);
    return state.coordinator;
  };
  const rawCoordinator = async (prefix: string, options: { lockTtlMs?: number } = {}): Promise<RefreshCoordinator> => {
    const { logger } = capture();
    const outage = createOutageReporter({ logger, now: () => START });
    const client = await connectRedisClient(redis.url(0), outage);
    const subscriber = await connectRedisClient(redis.url(0), outage);
    extraClients.push(client, subscriber);
    return createRedisCoordinator({ client, subscriber, prefix, outage, logger, ...options });
  };

  test("withLock: one holder at a time across connections", async () => {
    const prefix = freshPrefix();
    const [a, b] = [await connect(prefix), await connect(prefix)];
    const events: string[] = [];
    let letGo = () => {};
    const held = new Promise<void>((resolve) => (letGo = resolve));
    let entered = () => {};
    const aInside = new Promise<void>((resolve) => (entered = resolve));
    const first = a.withLock(async () => {
      events.push("a in");
      entered();
      await held;
      events.push("a out");
    });
    await aInside;
    const second = b.withLock(async () => {
      events.push("b in");
    });
    await sleep(150);
    assert.deepEqual(events, ["a in"], "b waits while a holds the lock");
    letGo();
    await Promise.all([first, second]);
    assert.deepEqual(events, ["a in", "a out", "b in"]);
    assert.equal(await raw.exists(`${prefix}refresh-lock`), 0, "released");
  });

  test("an expired lock taken by another is not released by its first owner", async () => {
    const prefix = freshPrefix();
    const a = await rawCoordinator(prefix, { lockTtlMs: 100 });
    const b = await rawCoordinator(prefix);
    let bHolds = () => {};
    const bInside = new Promise<void>((resolve) => (bHolds = resolve));
    let letB = () => {};
    const bRelease = new Promise<void>((resolve) => (letB = resolve));
    let bDone: Promise<void> | undefined;
    await a.withLock(async () => {
      await sleep(250); // a's lock expires; b takes it
      bDone = b.withLock(async () => {
        bHolds();
        await bRelease;
      });
      await bInside;
    });
    const owner = await raw.get(`${prefix}refresh-lock`);
    assert.ok(owner !== null, "a's release left b's lock alone");
    letB();
    await bDone;
    assert.equal(await raw.exists(`${prefix}refresh-lock`), 0);
  });

  test("a change notice reaches the other instances, not the sender", async () => {
    const prefix = freshPrefix();
    const [a, b, c] = [await connect(prefix), await connect(prefix), await connect(prefix)];
    const heard: string[] = [];
    a.onChanged(() => heard.push("a"));
    b.onChanged(() => heard.push("b"));
    c.onChanged(() => heard.push("c"));
    await a.publishChanged();
    await eventually("b and c heard it", async () => heard.length >= 2);
    await sleep(50);
    assert.deepEqual(heard.sort(), ["b", "c"]);
  });

  test("without --share-credentials nothing about tokens goes into Redis; with it only a sealed value", async () => {
    const plain = freshPrefix();
    const coordinator = await connect(plain);
    assert.equal(coordinator.readShared, undefined);
    assert.equal(coordinator.writeShared, undefined);

    const prefix = freshPrefix();
    const writer = await connect(prefix, STORE_KEY);
    const tokens: SharedTokens = { accessToken: fixture.tokens.access_token, refreshToken: fixture.tokens.refresh_token, refreshedAt: START };
    assert.equal(await writer.readShared?.(), undefined);
    await writer.writeShared?.(tokens);
    const stored = await raw.get(`${prefix}credentials`);
    assert.ok(stored !== null && stored.startsWith("v1."));
    assert.ok(!stored.includes(fixture.tokens.refresh_token) && !stored.includes(fixture.tokens.access_token.slice(40, 80)));
    assert.deepEqual(await (await connect(prefix, STORE_KEY)).readShared?.(), tokens);
    await assert.rejects((await connect(prefix, `${STORE_KEY}-wrong`)).readShared?.() ?? Promise.resolve(), /GODEX_PROXY_STORE_KEY/);
  });

  /** `count` auth stores over one emulator, each with its own auth.json (separate hosts) or all on one file. */
  const authStores = async (count: number, options: { coordinate: boolean; shareCredentials: boolean; oneFile: boolean }) => {
    const dir = await mkdtemp(join(tmpdir(), "godex-redis-auth-"));
    dirs.push(dir);
    const clock = { now: START };
    const emulator = createEmulator({ now: () => clock.now });
    const prefix = freshPrefix();
    const stores: AuthStore[] = [];
    const paths: string[] = [];
    for (let i = 0; i < count; i++) {
      const path = join(dir, options.oneFile ? "auth.json" : `auth-${i}.json`);
      if (i === 0 || !options.oneFile) await writeFile(path, readFixtureText("codex/auth.json"), { mode: 0o600 });
      paths.push(path);
      const coordinator = options.coordinate ? await connect(prefix, options.shareCredentials ? STORE_KEY : undefined) : undefined;
      stores.push(
        createAuthStore({
          file: createNodeAuthFile(path, { waitMs: 20_000, pollMs: 5 }),
          fetch: emulator.fetch,
          now: () => clock.now,
          logger: capture().logger,
          allowRefresh: true,
          tokenUrl: "http://emulator.test/oauth/token",
          coordinator,
        }),
      );
    }
    for (const store of stores) assert.equal((await store.getCredentials()).accessToken, fixture.tokens.access_token);
    return { stores, paths, emulator, prefix };
  };
  const accessTokenIn = async (path: string) => (JSON.parse(await readFile(path, "utf8")) as typeof fixture).tokens.access_token;

  test("--share-credentials, separate auth.json per instance: 20 concurrent 401s make exactly one token request", async () => {
    const { stores, paths, emulator, prefix } = await authStores(3, { coordinate: true, shareCredentials: true, oneFile: false });
    const used = { accessToken: fixture.tokens.access_token };
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => stores[i % 3]!.recoverFromUnauthorized(used)));
    assert.equal(emulator.tokenCalls.length, 1);
    const fresh = results[0]!.accessToken;
    assert.notEqual(fresh, fixture.tokens.access_token);
    for (const result of results) assert.equal(result.accessToken, fresh);
    for (const path of paths) assert.equal(await accessTokenIn(path), fresh, `${path} holds the shared tokens`);
    const sealed = await raw.get(`${prefix}credentials`);
    assert.ok(sealed !== null && !sealed.includes(fresh.slice(40, 80)));
  });

  test("control: the same separate files without the coordinator refresh once per instance", async () => {
    const { stores, emulator } = await authStores(3, { coordinate: false, shareCredentials: false, oneFile: false });
    const used = { accessToken: fixture.tokens.access_token };
    await Promise.allSettled(Array.from({ length: 20 }, (_, i) => stores[i % 3]!.recoverFromUnauthorized(used)));
    assert.equal(emulator.tokenCalls.length, 3, "each instance spends the one refresh token: this is what the lock prevents");
  });

  test("one shared auth.json: the notice makes the others re-read it at once, with no token request and no token in Redis", async () => {
    const { stores, emulator, prefix } = await authStores(3, { coordinate: true, shareCredentials: false, oneFile: true });
    // The clock stands still, so the once-a-second file check never runs: only the notice can tell them.
    const fresh = await stores[0]!.recoverFromUnauthorized({ accessToken: fixture.tokens.access_token });
    assert.equal(emulator.tokenCalls.length, 1);
    for (const store of stores.slice(1)) {
      await eventually("the notice was handled", async () => (await store.getCredentials()).accessToken === fresh.accessToken);
    }
    assert.equal(emulator.tokenCalls.length, 1);
    assert.deepEqual(await raw.keys(`${prefix}credentials`), []);
  });

  test("--share-credentials: an instance started without auth.json takes the shared tokens and writes its own file", async () => {
    const { stores, emulator, prefix } = await authStores(1, { coordinate: true, shareCredentials: true, oneFile: false });
    const fresh = await stores[0]!.recoverFromUnauthorized({ accessToken: fixture.tokens.access_token });
    const dir = await mkdtemp(join(tmpdir(), "godex-redis-auth-"));
    dirs.push(dir);
    const path = join(dir, "auth.json");
    const late = createAuthStore({
      file: createNodeAuthFile(path),
      fetch: emulator.fetch,
      now: () => START,
      logger: capture().logger,
      allowRefresh: true,
      tokenUrl: "http://emulator.test/oauth/token",
      coordinator: await connect(prefix, STORE_KEY),
    });
    assert.equal((await late.getCredentials()).accessToken, fresh.accessToken);
    const written = JSON.parse(await readFile(path, "utf8")) as Record<string, any>;
    assert.equal(written.tokens.access_token, fresh.accessToken);
    assert.equal(written.auth_mode, "chatgpt");
    assert.equal(written.last_refresh, new Date(START).toISOString());
    assert.equal(emulator.tokenCalls.length, 1);
  });
});
