// The login flows of issue 20 over real sockets against the emulator's issuer endpoints, with the clock and the
// sleep injected (src/login is pure): device code (pending, slow-down, expired, denied, broken polls, the 15-minute
// limit, no device login offered), browser PKCE (state check, one-shot, port in use), and what gets written.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "srvx";
import { createEmulator, type Emulator } from "./emulator/index.ts";
import { serveEmulator, type ServedEmulator } from "./support/serve-emulator.ts";
import { readJwtPayload } from "./support/jwt.ts";
import { runDeviceLogin, DEVICE_LOGIN_MAX_WAIT_MS } from "../src/login/device-login.ts";
import { runBrowserLogin, type BrowserLoginDeps } from "../src/login/browser-login.ts";
import { LoginError } from "../src/login/login-error.ts";
import { saveLogin, assertNoLogin } from "../src/login/save-login.ts";
import { buildLoginAuthJson } from "../src/login/auth-json.ts";
import { createNodeAuthFile } from "../runtimes/io/auth-file-node.ts";
import { nodeCliIo } from "../runtimes/io/cli-node.ts";
import type { LoginTokens } from "../src/login/exchange-code.ts";

const CLIENT_ID = "app_EMoamEEZ73f0CkXaXp7hrann";

describe("device-code login against the emulator", () => {
  let emulator: Emulator;
  let served: ServedEmulator;
  before(async () => {
    emulator = createEmulator();
    served = await serveEmulator(emulator);
  });
  after(() => served.close());

  /** Runs the flow with a fake clock that the injected sleep advances; returns the sleeps and printed lines. */
  const run = async (options: { maxSleeps?: number } = {}) => {
    let clock = Date.parse("2026-12-01T00:00:00Z");
    const sleeps: number[] = [];
    const printed: string[] = [];
    const promise = runDeviceLogin({
      fetch: (input, init) => fetch(input, init),
      now: () => clock,
      sleep: async (ms) => {
        sleeps.push(ms);
        if (sleeps.length > (options.maxSleeps ?? 1000)) throw new Error("too many sleeps");
        clock += ms;
      },
      print: (line) => printed.push(line),
      issuer: served.url,
      tokenUrl: served.tokenUrl,
      clientId: CLIENT_ID,
    });
    const outcome = await promise.then(
      (tokens) => ({ tokens, error: undefined }),
      (error: unknown) => ({ tokens: undefined, error }),
    );
    return { ...outcome, sleeps, printed };
  };

  const assertUsable = async (tokens: LoginTokens | undefined) => {
    assert.ok(tokens);
    const models = await fetch(`${served.baseUrl}/models`, {
      headers: { authorization: `Bearer ${tokens.accessToken}`, "chatgpt-account-id": "3f6b1c2e-8d4a-4f0b-9c7e-5a1d2b3c4e5f" },
    });
    assert.equal(models.status, 200, "the emulator accepts the access token the login got");
    assert.equal(typeof readJwtPayload(tokens.idToken).exp, "number");
  };

  test("pending twice, then success: polls at the issuer's interval and exchanges the code", async () => {
    emulator.deviceAuth.script({ pendingPolls: 2, interval: "3" });
    const before = emulator.deviceAuth.exchanges;
    const { tokens, error, sleeps, printed } = await run();
    assert.equal(error, undefined);
    await assertUsable(tokens);
    assert.deepEqual(sleeps, [3000, 3000]);
    assert.equal(emulator.deviceAuth.exchanges, before + 1);
    const text = printed.join("\n");
    assert.match(text, new RegExp(`${served.url}/codex/device`));
    assert.match(text, /\b[A-Z0-9]{4}-[A-Z0-9]{5}\b/);
    // The exchange is the authorization-code grant with the device callback as redirect_uri (form-encoded).
    const exchange = emulator.tokenCalls.at(-1);
    assert.equal(exchange?.headers["content-type"], "application/x-www-form-urlencoded");
    const body = exchange?.body as Record<string, string>;
    assert.equal(body.grant_type, "authorization_code");
    assert.equal(body.redirect_uri, `${served.url}/deviceauth/callback`);
    assert.equal(body.client_id, CLIENT_ID);
  });

  test("an interval the issuer leaves out defaults to 5 s", async () => {
    emulator.deviceAuth.script({ pendingPolls: 1, interval: "soon" });
    const { error, sleeps } = await run();
    assert.equal(error, undefined);
    assert.deepEqual(sleeps, [5000]);
  });

  test("slow_down adds 5 s to the interval from then on", async () => {
    emulator.deviceAuth.script({ slowDownPolls: 1, pendingPolls: 1, interval: "2" });
    const { error, sleeps } = await run();
    assert.equal(error, undefined);
    assert.deepEqual(sleeps, [2000, 7000]); // pending at 2 s, then slow_down → 7 s
  });

  test("an expired code ends with one line saying to log in again", async () => {
    emulator.deviceAuth.script({ pendingPolls: 1, outcome: "expired", interval: "0" });
    const { error } = await run();
    assert.ok(error instanceof LoginError);
    assert.match(error.message, /expired.*run `godex-proxy login` again/);
    assert.doesNotMatch(error.message, /\n/);
  });

  test("a denied sign-in ends with its own message", async () => {
    emulator.deviceAuth.script({ outcome: "denied", interval: "0" });
    const { error } = await run();
    assert.ok(error instanceof LoginError);
    assert.match(error.message, /denied/);
  });

  test("a broken connection mid-poll is retried; the login still succeeds", async () => {
    emulator.deviceAuth.script({ pendingPolls: 1, networkFailures: 2, interval: "1" });
    const { tokens, error, sleeps } = await run();
    assert.equal(error, undefined);
    await assertUsable(tokens);
    assert.deepEqual(sleeps, [1000, 1000, 1000]);
  });

  test("more than three broken polls in a row give up with a network message", async () => {
    emulator.deviceAuth.script({ networkFailures: 10, interval: "1" });
    const { error, sleeps } = await run();
    assert.ok(error instanceof LoginError);
    assert.match(error.message, /lost the connection.*check the network/);
    assert.equal(sleeps.length, 3);
  });

  test("gives up after 15 minutes of pending polls", async () => {
    emulator.deviceAuth.script({ pendingPolls: 10_000, interval: "5" });
    const { error, sleeps } = await run();
    assert.ok(error instanceof LoginError);
    assert.match(error.message, /within 15 minutes/);
    assert.equal(
      sleeps.reduce((a, b) => a + b, 0),
      DEVICE_LOGIN_MAX_WAIT_MS,
    );
  });

  test("an issuer without device login (404) points to --browser", async () => {
    emulator.deviceAuth.script({ userCodeStatus: 404 });
    const { error } = await run();
    assert.ok(error instanceof LoginError);
    assert.match(error.message, /--browser/);
  });

  test("an unreachable issuer says so", async () => {
    const { error } = await (async () => {
      try {
        await runDeviceLogin({
          fetch: (input, init) => fetch(input, init),
          now: Date.now,
          sleep: async () => {},
          print: () => {},
          issuer: "http://127.0.0.1:9", // discard port: nothing listens
          tokenUrl: "http://127.0.0.1:9/oauth/token",
          clientId: CLIENT_ID,
        });
        return { error: undefined };
      } catch (error) {
        return { error };
      }
    })();
    assert.ok(error instanceof LoginError);
    assert.match(error.message, /cannot reach http:\/\/127\.0\.0\.1:9.*check the network/);
  });
});

describe("browser login against the emulator", () => {
  let emulator: Emulator;
  let served: ServedEmulator;
  before(async () => {
    emulator = createEmulator();
    served = await serveEmulator(emulator);
  });
  after(() => served.close());

  const srvxServe: BrowserLoginDeps["serve"] = async (handler, { hostname, port }) => {
    const server = serve({ hostname, port, silent: true, gracefulShutdown: false, fetch: (request: Request) => handler(request, {}) });
    await server.ready();
    return { url: server.url ?? "", close: (force) => server.close(force) };
  };

  const start = (store: (tokens: LoginTokens) => Promise<void>, port = 0) => {
    const printed: string[] = [];
    let announce: (url: string) => void = () => {};
    const announced = new Promise<string>((resolve) => (announce = resolve));
    const done = runBrowserLogin({
      fetch: (input, init) => fetch(input, init),
      serve: srvxServe,
      openBrowser: async (url) => {
        announce(url);
        return false;
      },
      print: (line) => printed.push(line),
      issuer: served.url,
      tokenUrl: served.tokenUrl,
      clientId: CLIENT_ID,
      port,
      store,
    });
    return { done, announced, printed };
  };

  test("PKCE round trip: a wrong state is refused and the wait goes on; the real callback stores the tokens once", async () => {
    const stored: LoginTokens[] = [];
    const { done, announced, printed } = start(async (tokens) => void stored.push(tokens));
    const url = new URL(await announced);
    assert.ok(
      printed.some((line) => line.includes(url.href)),
      "the URL is printed even when a browser opens",
    );
    assert.equal(url.searchParams.get("code_challenge_method"), "S256");
    const redirect = url.searchParams.get("redirect_uri") ?? "";
    assert.match(redirect, /^http:\/\/localhost:\d+\/auth\/callback$/);

    // The issuer (emulator) redirects the "browser" to the loopback callback with the code and state.
    const authorized = await fetch(url, { redirect: "manual" });
    assert.equal(authorized.status, 302);
    const callback = new URL(authorized.headers.get("location") ?? "");
    const loopback = `http://127.0.0.1:${callback.port}/auth/callback`;

    const forged = await fetch(`${loopback}?code=${callback.searchParams.get("code")}&state=not-the-state`);
    assert.equal(forged.status, 400);
    assert.match(await forged.text(), /State mismatch/);
    assert.equal(stored.length, 0);

    const real = await fetch(`${loopback}${callback.search}`);
    assert.equal(real.status, 200);
    assert.match(await real.text(), /Signed in/);
    await done;
    assert.equal(stored.length, 1);
    const exchange = emulator.tokenCalls.at(-1)?.body as Record<string, string>;
    assert.equal(exchange.redirect_uri, redirect, "the exchange names the same redirect_uri");

    // One-shot: the listener is gone.
    await assert.rejects(fetch(`${loopback}${callback.search}`));
  });

  test("an error in the callback (the user said no) ends the login with one line", async () => {
    const { done, announced } = start(async () => assert.fail("nothing to store"));
    const url = new URL(await announced);
    const state = url.searchParams.get("state") ?? "";
    const callback = new URL(url.searchParams.get("redirect_uri") ?? "");
    const answer = await fetch(`http://127.0.0.1:${callback.port}/auth/callback?error=access_denied&state=${encodeURIComponent(state)}`);
    assert.equal(answer.status, 500);
    await assert.rejects(done, (error: unknown) => error instanceof LoginError && /not completed in the browser \(access_denied\)/.test(error.message));
  });

  test("a callback port already in use fails at once with what to do", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const { done } = start(async () => {}, port);
      await assert.rejects(done, (error: unknown) => error instanceof LoginError && /127\.0\.0\.1:\d+ is already in use.*--device/.test(error.message));
    } finally {
      blocker.close();
    }
  });
});

describe("storing a login", () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), "godex-login-store-"))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const tokens = (): LoginTokens => {
    const emulator = createEmulator();
    const t = emulator.mintTokens();
    return { idToken: t.idToken, accessToken: t.accessToken, refreshToken: t.refreshToken };
  };

  test("the file is the Codex CLI's shape, mode 0600, in a folder created for it", async () => {
    const path = join(dir, "new-home", ".codex", "auth.json");
    const t = tokens();
    await saveLogin(
      {
        file: createNodeAuthFile(path),
        makeParentDir: () => nodeCliIo.makeDir(join(dir, "new-home", ".codex")),
        now: () => Date.parse("2026-12-01T10:00:00Z"),
      },
      t,
      false,
    );
    const text = readFileSync(path, "utf8");
    assert.equal(text, buildLoginAuthJson(t, Date.parse("2026-12-01T10:00:00Z")));
    const json = JSON.parse(text);
    assert.deepEqual(Object.keys(json), ["auth_mode", "OPENAI_API_KEY", "tokens", "last_refresh"]);
    assert.deepEqual(Object.keys(json.tokens), ["id_token", "access_token", "refresh_token", "account_id"]);
    assert.equal(json.auth_mode, "chatgpt");
    assert.equal(json.OPENAI_API_KEY, null);
    assert.equal(json.tokens.account_id, "3f6b1c2e-8d4a-4f0b-9c7e-5a1d2b3c4e5f");
    assert.equal(json.last_refresh, "2026-12-01T10:00:00.000Z");
    assert.ok(!text.endsWith("\n"), "to_string_pretty writes no trailing newline");
    if (process.platform !== "win32") assert.equal(statSync(path).mode & 0o777, 0o600);
  });

  test("a valid login is not replaced without force; an expired one without refresh token is", async () => {
    const path = join(dir, "auth.json");
    writeFileSync(path, readFileSync("test/fixtures/codex/auth.json"));
    const io = { file: createNodeAuthFile(path), makeParentDir: async () => {}, now: Date.now };
    await assert.rejects(assertNoLogin(io, false), /already holds a valid login \(account 3f6b…4e5f, plan plus\).*--force/);
    await assert.rejects(saveLogin(io, tokens(), false), /--force/);
    assert.equal(readFileSync(path, "utf8"), readFileSync("test/fixtures/codex/auth.json", "utf8"), "untouched");
    await assertNoLogin(io, true);
    const fresh = tokens();
    await saveLogin(io, fresh, true);
    assert.equal(JSON.parse(readFileSync(path, "utf8")).tokens.refresh_token, fresh.refreshToken);

    const expired = JSON.parse(readFileSync("test/fixtures/codex/auth-expired.json", "utf8"));
    delete expired.tokens.refresh_token;
    writeFileSync(path, JSON.stringify(expired));
    await assertNoLogin(io, false);
  });

  test("an unwritable path fails with one line and leaves nothing behind", async () => {
    const blocker = join(dir, "a-file");
    writeFileSync(blocker, "not a folder");
    const path = join(blocker, "auth.json");
    const io = { file: createNodeAuthFile(path), makeParentDir: () => nodeCliIo.makeDir(blocker), now: Date.now };
    await assert.rejects(
      saveLogin(io, tokens(), false),
      (error: unknown) => error instanceof LoginError && /cannot create the folder for .*a-file\/auth\.json \(E[A-Z]+\).*--auth-path/.test(error.message),
    );
    assert.equal(readFileSync(blocker, "utf8"), "not a folder");
  });
});
