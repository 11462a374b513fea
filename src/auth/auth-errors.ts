// The auth store's errors and the texts it logs or shows about a failure: each names auth.json's path and what the
// user must do, never a token (spec §3.3, §3.4).
import { ProxyError } from "../errors.ts";
import type { RefreshFailure } from "./refresh-backoff.ts";
import type { AuthProblem } from "./resolve-credentials.ts";

/** auth.json gives no usable credentials (missing, unreadable, invalid): a 401 with the problem's own words. */
export const unavailable = (problem: AuthProblem): ProxyError => new ProxyError("auth_unavailable", { message: problem.message, code: problem.code });

/** The token refresh failed: terminal (a new login is needed) or transient (retried after the back-off). */
export const tokenRefreshFailed = (path: string, failure: RefreshFailure, nowMs: number): ProxyError => {
  if (failure.terminal) {
    return new ProxyError("upstream_unauthorized", {
      code: failure.detail,
      message: `token refresh failed with ${failure.detail}: the ChatGPT login in ${path} can no longer be refreshed; run \`codex login\` to sign in again`,
    });
  }
  const seconds = Math.max(1, Math.ceil((failure.retryAt - nowMs) / 1_000));
  return new ProxyError("upstream_unauthorized", {
    code: "token_refresh_failed",
    message: `token refresh failed (${failure.detail}); keeping the current tokens, next attempt in ${seconds} s. If this persists, run \`codex login\``,
  });
};

export const noRefreshToken = (path: string): ProxyError =>
  new ProxyError("upstream_unauthorized", {
    code: "no_refresh_token",
    message: `auth.json at ${path} has no tokens.refresh_token, so the access token cannot be refreshed: run \`codex login\``,
  });

/** An upstream 401 for the token in auth.json while --allow-refresh is off. */
export const tokenRejected = (path: string): ProxyError =>
  new ProxyError("upstream_unauthorized", {
    code: "token_rejected",
    message: `the ChatGPT backend rejected the access token from ${path}: run \`codex login\`, or start the proxy with --allow-refresh so it refreshes the token itself`,
  });

/** /health's `credentials.error` while the refreshed tokens live in memory only (D1). */
export const unsavedTokensMessage = (path: string, reason: string): string =>
  `the refreshed tokens could not be written to auth.json at ${path} (${reason}) and are kept in memory only: make the file writable; after a restart a \`codex login\` is needed`;

/** A file-system error as a log may show it: its code (`EACCES`), else its name; never a path's content. */
/** An auth path that is neither a file nor a folder (red team D16); its code is what the 401 and /health show. */
export const notRegularFile = (path: string): Error =>
  Object.assign(new Error(`${path} is not a regular file`), { code: "not a regular file (a FIFO, socket or device)" });

export const describeIoError = (error: unknown): string => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : error instanceof Error ? error.name : "I/O error";
};

/** What a coordinator error may say in a log or a 401: its message (ours, or the client's; never a token). */
export const describeCoordinatorError = (error: unknown): string => (error instanceof Error ? error.message : String(error)).slice(0, 200);
