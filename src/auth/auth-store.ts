// createAuthStore: the credential store of spec §2–3, assembled from its parts, and its API (getCredentials,
// recoverFromUnauthorized, status, and busy/idle for shutdown). The parts, one concern each:
//   auth-snapshot.ts       auth.json as loaded, reloaded when the file changes (spec §2.1)
//   token-refresh.ts       the token refresh: single flight, under the lock, adopt or call and write back (§3.4–§3.6)
//   auth-file-writer.ts    writing auth.json (atomic, else in place) and its lock file
//   rotated-tokens.ts      replaced refresh tokens and tokens kept in memory only (red-team D1)
//   shared-credentials.ts  several instances through a RefreshCoordinator (issue #10 item 3)
//   auth-errors.ts         the errors and failure texts
import type { Logger } from "../log.ts";
import { tokenRejected, unsavedTokensMessage } from "./auth-errors.ts";
import { createAuthFileWriter } from "./auth-file-writer.ts";
import { createAuthSnapshot, toCredentials } from "./auth-snapshot.ts";
import { createRotatedTokens } from "./rotated-tokens.ts";
import { createSharedCredentials } from "./shared-credentials.ts";
import { createTokenRefresh } from "./token-refresh.ts";
import type { AuthFile, AuthStatus, ManagedAuthStore, RefreshCoordinator } from "./types.ts";

export interface AuthStoreOptions {
  file: AuthFile;
  /** Token endpoint only. */
  fetch: typeof fetch;
  /** Epoch ms: expiry, reload throttle, back-off, `last_refresh`. */
  now: () => number;
  logger: Logger;
  /** `--allow-refresh`: off means never call the token endpoint (spec §3.4, last paragraph). */
  allowRefresh: boolean;
  tokenUrl: string;
  /** OAuth client id of the Codex CLI; default `app_EMoamEEZ73f0CkXaXp7hrann` (spec §3.1). */
  clientId?: string;
  /**
   * Several instances (issue #10): a token refresh also holds the coordinator's lock and announces new tokens; with
   * readShared/writeShared (--share-credentials) tokens travel through it too. Default: none.
   */
  coordinator?: RefreshCoordinator;
  /** Told the result of every call to the token endpoint (metrics). */
  onRefresh?: (result: "ok" | "failed") => void;
}

const DEFAULT_CLIENT_ID = "app_EMoamEEZ73f0CkXaXp7hrann";

/** The credential store of spec §2–3 over an injected file, clock and token-endpoint fetch. */
export const createAuthStore = (options: AuthStoreOptions): ManagedAuthStore => {
  const { file, logger, now, allowRefresh, coordinator } = options;
  const path = file.path;

  /** Work that may hold the lock file or owe auth.json a write: shutdown waits for it (D2). */
  const pending = new Set<Promise<unknown>>();
  const track = <T>(work: Promise<T>): Promise<T> => {
    pending.add(work);
    const done = () => void pending.delete(work);
    work.then(done, done);
    return work;
  };
  let warnedExpired: string | undefined;

  // The callbacks below run only on a reload, after every part exists.
  const snapshots = createAuthSnapshot({
    file,
    logger,
    now,
    isStale: (auth) => rotated.isReplaced(auth),
    onStaleFile: () => void track(rotated.saveUnsaved()),
    // --share-credentials: a login or the CLI's token refresh on this host is news for the other hosts.
    onNewTokens: () => void shared.sync(),
  });
  const writer = createAuthFileWriter(file, logger);
  const rotated = createRotatedTokens({ snapshots, writer, logger, now, path });
  const shared = createSharedCredentials({ coordinator, snapshots, writer, logger, now, path });
  const tokenRefresh = createTokenRefresh({
    path,
    fetch: options.fetch,
    now,
    logger,
    tokenUrl: options.tokenUrl,
    clientId: options.clientId ?? DEFAULT_CLIENT_ID,
    onRefresh: options.onRefresh,
    snapshots,
    writer,
    rotated,
    shared,
    track,
  });

  // Side effects of construction: listen for other instances' notices, and (--share-credentials) start from the
  // later of auth.json and the shared tokens; every API call waits for that first comparison.
  coordinator?.onChanged(() => void track(shared.onNotice()));
  const ready = track(shared.sync());

  return {
    busy: () => pending.size > 0,
    async idle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },

    async getCredentials() {
      await ready;
      await snapshots.reloadIfChanged(false);
      const auth = snapshots.currentAuth();
      if (!tokenRefresh.needsRefresh(auth)) return toCredentials(auth);
      if (!allowRefresh) {
        if (warnedExpired !== auth.accessToken) {
          warnedExpired = auth.accessToken;
          logger.warn("access token in auth.json is expired or about to; refresh is off (--allow-refresh)", { path });
        }
        return toCredentials(auth);
      }
      try {
        return await tokenRefresh.refreshOnce(undefined);
      } catch (error) {
        // Refreshing early failed but the token itself still works: use it rather than fail the request. The
        // identity test means "nothing was loaded meanwhile" (a new login or adopted tokens would be served instead).
        if (auth.expiresAt !== undefined && auth.expiresAt > now() && snapshots.current() === auth) {
          logger.debug("serving the current token until it expires", { path });
          return toCredentials(auth);
        }
        throw error;
      }
    },

    async recoverFromUnauthorized(used) {
      await ready;
      await snapshots.reloadIfChanged(true);
      const auth = snapshots.currentAuth();
      if (auth.accessToken !== used.accessToken) return toCredentials(auth);
      if (!allowRefresh) throw tokenRejected(path);
      return tokenRefresh.refreshOnce(used.accessToken);
    },

    async status() {
      await ready;
      await snapshots.reloadIfChanged(false);
      const auth = snapshots.current();
      if (auth === undefined || !auth.ok) {
        return { path, loaded: false, accountId: false, error: auth?.message ?? "not loaded" };
      }
      const status: AuthStatus = { path, loaded: true, accountId: auth.accountId !== undefined };
      if (auth.expiresAt !== undefined) status.expiresAt = new Date(auth.expiresAt).toISOString();
      const failure = tokenRefresh.failureMessage(auth.refreshToken);
      const unsavedReason = rotated.unsavedReason(auth.refreshToken);
      const error = failure ?? (unsavedReason !== undefined ? unsavedTokensMessage(path, unsavedReason) : snapshots.keptOver());
      if (error !== undefined) status.error = error;
      return status;
    },
  };
};
