// Memory of the last failed refresh: terminal codes block until the refresh token changes, transient failures
// back off 5 s doubling to 5 min (spec §3.3: "MUST NOT retry in a loop", "back off before the next attempt").

/** The last failure, tied to the refresh token it was for: a different token on disk starts afresh. */
export interface RefreshFailure {
  refreshToken: string;
  terminal: boolean;
  /** Terminal code or transient reason; safe to show. */
  detail: string;
  retryAt: number;
  delayMs: number;
}

export interface RefreshBackoff {
  /** The failure that forbids a token request with `refreshToken` now, if any. */
  blocking(refreshToken: string): RefreshFailure | undefined;
  /** The failure recorded for `refreshToken`, blocking or not (for status). */
  current(refreshToken: string | undefined): RefreshFailure | undefined;
  /** Records a failure; a transient one doubles the previous delay for the same token, but waits at most `capMs`. */
  record(refreshToken: string, terminal: boolean, detail: string, capMs?: number): RefreshFailure;
  clear(): void;
}

const FIRST_DELAY_MS = 5_000;
const MAX_DELAY_MS = 5 * 60 * 1_000;

/** Back-off state measured with the injected clock. */
export const createRefreshBackoff = (now: () => number): RefreshBackoff => {
  let failure: RefreshFailure | undefined;
  const current = (refreshToken: string | undefined) => (failure?.refreshToken === refreshToken ? failure : undefined);
  return {
    current,
    blocking(refreshToken) {
      const state = current(refreshToken);
      return state !== undefined && (state.terminal || now() < state.retryAt) ? state : undefined;
    },
    record(refreshToken, terminal, detail, capMs = MAX_DELAY_MS) {
      const previous = current(refreshToken);
      const last = previous !== undefined && !previous.terminal ? previous.delayMs : 0;
      const delayMs = terminal ? 0 : Math.min(last === 0 ? FIRST_DELAY_MS : last * 2, MAX_DELAY_MS, capMs);
      failure = { refreshToken, terminal, detail, delayMs, retryAt: now() + delayMs };
      return failure;
    },
    clear() {
      failure = undefined;
    },
  };
};
