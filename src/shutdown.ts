// What SIGINT/SIGTERM do: stop accepting, let open streams finish within --shutdown-grace, then exit; never while
// a token refresh is in flight (red-team D2: the endpoint rotates the tokens, and only this process can write them).
import type { Logger } from "./log.ts";

/** Longest wait for a refresh in flight: the lock wait (10 s) + the token timeout (20 s) + writing auth.json. */
export const REFRESH_WAIT_MS = 35_000;
/** How long shutdown waits for the store's connections to close before exiting anyway. */
const STORE_CLOSE_WAIT_MS = 1_000;
/** After the grace period: how long a forced close may take (Deno's shutdown() never settles while a stream is open). */
const FORCE_CLOSE_WAIT_MS = 1_000;

export interface ShutdownDeps {
  /** Stops accepting; resolves when open connections are done (or forced with `force`). */
  close(force: boolean): Promise<void>;
  graceMs: number;
  logger: Logger;
  /** The auth store: busy while a refresh holds the lock or owes auth.json a write. */
  auth: { busy(): boolean; idle(): Promise<void> };
  /** Closes --store's connections. */
  closeShared?: () => Promise<void>;
  exit: (code: number) => void;
  /** Injected timers for tests; default the global ones. */
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

const waitAtMost = (work: Promise<unknown>, ms: number, setTimer: (fn: () => void, ms: number) => unknown) =>
  Promise.race([work.catch(() => undefined), new Promise<void>((resolve) => setTimer(resolve, ms))]);

/** The signal handler: the first signal drains, a second one skips the drain; both wait for a refresh in flight. */
export const createShutdown = (deps: ShutdownDeps): ((signal: string) => void) => {
  const { logger } = deps;
  const setTimer = deps.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer = deps.clearTimer ?? ((timer) => clearTimeout(timer as ReturnType<typeof setTimeout>));
  let finishing: Promise<void> | undefined;

  /** Once: waits for the auth store (bounded), closes the store's connections (bounded), exits 0. */
  const finish = (): Promise<void> =>
    (finishing ??= (async () => {
      if (deps.auth.busy()) {
        logger.info("waiting for the token refresh in flight before exiting", { max_wait_ms: REFRESH_WAIT_MS });
        await waitAtMost(deps.auth.idle(), REFRESH_WAIT_MS, setTimer);
        if (deps.auth.busy()) logger.error("exiting while a token refresh is still in flight; auth.json may hold a used refresh token");
      }
      if (deps.closeShared !== undefined) await waitAtMost(deps.closeShared(), STORE_CLOSE_WAIT_MS, setTimer);
      deps.exit(0);
    })());

  let stopping = false;
  return (signal) => {
    if (stopping) {
      logger.warn("second signal: exiting now, without waiting for open streams", { signal });
      void finish();
      return;
    }
    stopping = true;
    logger.info("shutting down: no new connections; waiting for open streams", { signal, grace_ms: deps.graceMs });
    const force = setTimer(() => {
      logger.warn("grace period over; closing open connections");
      void waitAtMost(deps.close(true), FORCE_CLOSE_WAIT_MS, setTimer).then(finish);
    }, deps.graceMs);
    void deps
      .close(false)
      .catch(() => undefined)
      .then(() => {
        clearTimer(force);
        return finish();
      });
  };
};
