// createShutdown with injected timers (red-team D2): a signal never exits while a token refresh is in flight, the
// second signal skips the drain but not that wait, and the wait is bounded by REFRESH_WAIT_MS.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createLogger } from "../src/log.ts";
import { createShutdown, REFRESH_WAIT_MS } from "../src/shutdown.ts";

const flush = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

const setup = (options: { refreshing: boolean }) => {
  const timers: Array<{ fn: () => void; at: number; done: boolean }> = [];
  let clock = 0;
  let finishRefresh = () => {};
  let busy = options.refreshing;
  const refresh = new Promise<void>((resolve) => {
    finishRefresh = () => {
      busy = false;
      resolve();
    };
  });
  const exits: number[] = [];
  const logs: string[] = [];
  const handler = createShutdown({
    close: () => new Promise<void>(() => {}), // a stream that never ends
    graceMs: 1_000,
    logger: createLogger({ level: "debug", write: (line) => logs.push(line) }),
    auth: { busy: () => busy, idle: () => (busy ? refresh : Promise.resolve()) },
    exit: (code) => void exits.push(code),
    setTimer: (fn, ms) => timers.push({ fn, at: clock + ms, done: false }),
    clearTimer: () => {},
  });
  /** Moves the clock in 100 ms steps, firing what is due (timers set by fired ones included). */
  const advance = async (ms: number) => {
    for (const end = clock + ms; clock < end; ) {
      clock += 100;
      for (const timer of timers.filter((t) => !t.done && t.at <= clock)) {
        timer.done = true;
        timer.fn();
      }
      await flush();
    }
  };
  return { handler, exits, logs, advance, finishRefresh };
};

describe("createShutdown (D2)", () => {
  test("a second signal exits at once when no refresh is in flight", async () => {
    const s = setup({ refreshing: false });
    s.handler("SIGTERM");
    s.handler("SIGTERM");
    await flush();
    assert.deepEqual(s.exits, [0]);
  });

  test("a second signal waits for the refresh in flight, then exits once", async () => {
    const s = setup({ refreshing: true });
    s.handler("SIGINT");
    s.handler("SIGINT");
    await s.advance(5_000); // grace over, forced close given up after 1 s: still waiting for the refresh
    assert.deepEqual(s.exits, []);
    assert.ok(s.logs.some((line) => line.includes("waiting for the token refresh in flight")));
    s.finishRefresh();
    await flush();
    assert.deepEqual(s.exits, [0]);
  });

  test("the end of the grace period waits for the refresh too, but no longer than REFRESH_WAIT_MS", async () => {
    const s = setup({ refreshing: true });
    s.handler("SIGTERM");
    await s.advance(2_000); // grace 1 s + 1 s for the forced close: now waiting for the refresh
    await s.advance(REFRESH_WAIT_MS - 500);
    assert.deepEqual(s.exits, []);
    await s.advance(1_000);
    assert.deepEqual(s.exits, [0]);
    assert.ok(s.logs.some((line) => line.includes("still in flight")));
  });
});
