// createAuthStore: the current ChatGPT credentials from auth.json, reloaded when the file changes (spec §2.1),
// refreshed single-flight under a lock file and written back as a JSON patch (spec §3.4, §3.5, §3.6); across
// instances through an optional RefreshCoordinator (issue #10 item 3).
import type { ProxyError } from "../errors.ts";
import type { Logger } from "../log.ts";
import {
  describeCoordinatorError,
  describeIoError,
  noRefreshToken,
  tokenRefreshFailed,
  tokenRejected,
  unavailable,
  unsavedTokensMessage,
} from "./auth-errors.ts";
import { readJwtExpiry } from "./jwt.ts";
import { patchAuthFile } from "./patch-auth-file.ts";
import { createRefreshBackoff } from "./refresh-backoff.ts";
import { requestTokenRefresh } from "./refresh-token.ts";
import { resolveCredentials, type AuthResolution, type ResolvedAuth } from "./resolve-credentials.ts";
import type { AuthFile, AuthStatus, Credentials, ManagedAuthStore, RefreshCoordinator, SharedTokens } from "./types.ts";

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
   * Several instances (issue #10): a refresh also holds the coordinator's lock and announces new tokens; with
   * readShared/writeShared (--share-credentials) tokens travel through it too. Default: none.
   */
  coordinator?: RefreshCoordinator;
  /** Told the result of every call to the token endpoint (metrics). */
  onRefresh?: (result: "ok" | "failed") => void;
}

const DEFAULT_CLIENT_ID = "app_EMoamEEZ73f0CkXaXp7hrann";
/** How often `file.version()` is consulted on the request path. */
const VERSION_CHECK_INTERVAL_MS = 1_000;
/** Refresh when `exp` is this close (spec §3.4: within 1 minute). */
const EXPIRY_MARGIN_MS = 60_000;
/** Without a readable `exp`: refresh when `last_refresh` is older than 8 days (spec §3.4 [TIME]). */
const LAST_REFRESH_MAX_AGE_MS = 8 * 24 * 60 * 60 * 1_000;
/** Tokens kept in memory only because auth.json could not be written: how often writing them is tried again. */
const UNSAVED_RETRY_MS = 30_000;
/** How many refresh tokens that a token call replaced are remembered (to recognise a stale auth.json). */
const REPLACED_MEMORY = 16;

/** One version of auth.json as read from disk. */
interface Snapshot {
  version: string | null;
  text: string | null;
  auth: AuthResolution;
}

const toCredentials = (auth: ResolvedAuth): Credentials => {
  const credentials: Credentials = { accessToken: auth.accessToken };
  if (auth.accountId !== undefined) credentials.accountId = auth.accountId;
  if (auth.expiresAt !== undefined) credentials.expiresAt = auth.expiresAt;
  return credentials;
};

/** An auth.json for an instance that has only the shared tokens (another host's login). */
const EMPTY_AUTH_FILE = `${JSON.stringify({ auth_mode: "chatgpt", OPENAI_API_KEY: null, tokens: {} }, null, 2)}\n`;

const toSharedTokens = (auth: ResolvedAuth, fallbackAt: number): SharedTokens => {
  const shared: SharedTokens = { accessToken: auth.accessToken, refreshedAt: auth.lastRefreshAt ?? fallbackAt };
  if (auth.refreshToken !== undefined) shared.refreshToken = auth.refreshToken;
  if (auth.idToken !== undefined) shared.idToken = auth.idToken;
  return shared;
};

/**
 * Which side holds the later login or refresh: `last_refresh` against the shared `refreshedAt`, else the later
 * access-token `exp`; "same" when the tokens match or nothing tells them apart (then each side keeps its own).
 */
const newerSide = (shared: SharedTokens | undefined, local: ResolvedAuth | undefined): "shared" | "local" | "same" => {
  if (shared === undefined) return local === undefined ? "same" : "local";
  if (local === undefined) return "shared";
  if (shared.accessToken === local.accessToken && shared.refreshToken === local.refreshToken) return "same";
  if (local.lastRefreshAt !== undefined && shared.refreshedAt !== local.lastRefreshAt) {
    return shared.refreshedAt > local.lastRefreshAt ? "shared" : "local";
  }
  const sharedExp = readJwtExpiry(shared.accessToken);
  if (sharedExp !== undefined && local.expiresAt !== undefined && sharedExp !== local.expiresAt) {
    return sharedExp > local.expiresAt ? "shared" : "local";
  }
  return "same";
};

/** The credential store of spec §2–3 over an injected file, clock and token-endpoint fetch. */
export const createAuthStore = (options: AuthStoreOptions): ManagedAuthStore => {
  const { file, logger, now, allowRefresh, coordinator } = options;
  const readShared = coordinator?.readShared?.bind(coordinator);
  const writeShared = coordinator?.writeShared?.bind(coordinator);
  const path = file.path;
  const clientId = options.clientId ?? DEFAULT_CLIENT_ID;

  let snapshot: Snapshot | undefined;
  /** Bumped on every applied snapshot, so a read that started earlier cannot overwrite a newer one. */
  let generation = 0;
  let checkedAt = Number.NEGATIVE_INFINITY;
  let checking: Promise<void> | undefined;
  let flight: Promise<Credentials> | undefined;
  const backoff = createRefreshBackoff(now);
  let warnedExpired: string | undefined;
  /**
   * Refresh tokens that a successful token call replaced (the endpoint rotates them: spec §3.2). A file that
   * still holds one is stale, because writing the new tokens failed (D1): its tokens are never used again.
   */
  const replaced: string[] = [];
  /** Set while the tokens in memory could not be written to auth.json; `retryAt` throttles the next attempt. */
  let unsaved: { refreshToken: string | undefined; reason: string; retryAt: number } | undefined;
  /** Work that may hold the lock file or owe auth.json a write: shutdown waits for it (D2). */
  const pending = new Set<Promise<unknown>>();
  const track = <T>(work: Promise<T>): Promise<T> => {
    pending.add(work);
    const done = () => void pending.delete(work);
    work.then(done, done);
    return work;
  };
  const isReplaced = (auth: AuthResolution | undefined): boolean =>
    auth?.ok === true && auth.refreshToken !== undefined && replaced.includes(auth.refreshToken);

  const readSnapshot = async (): Promise<Snapshot> => {
    try {
      const version = await file.version();
      const text = await file.read();
      return { version, text, auth: resolveCredentials(text, path) };
    } catch (error) {
      const message = `cannot read auth.json at ${path} (${describeIoError(error)}): check its permissions or pass --auth-path`;
      return { version: null, text: null, auth: { ok: false, code: "auth_file_unreadable", message } };
    }
  };

  const apply = (next: Snapshot): void => {
    const previous = snapshot?.auth;
    snapshot = next;
    generation += 1;
    const auth = next.auth;
    if (!auth.ok) {
      // Once per kind of problem: /health polls status() and must not fill the log.
      if (previous === undefined || previous.ok || previous.code !== auth.code) logger.warn("auth.json unusable", { path, code: auth.code });
      return;
    }
    logger.debug("auth.json loaded", {
      path,
      accountId: auth.accountId !== undefined,
      expiresAt: auth.expiresAt === undefined ? undefined : new Date(auth.expiresAt).toISOString(),
    });
    if (auth.accountId === undefined && (previous === undefined || !previous.ok || previous.accountId !== undefined)) {
      logger.warn("no ChatGPT account id in auth.json; sending requests without ChatGPT-Account-ID", { path });
    }
  };

  /** Reloads when `file.version()` changed; consults it at most once a second unless `force`. Never throws. */
  const refreshSnapshot = (force: boolean): Promise<void> => {
    if (checking !== undefined) return checking;
    if (!force && snapshot !== undefined && now() - checkedAt < VERSION_CHECK_INTERVAL_MS) return Promise.resolve();
    checkedAt = now();
    const startedAt = generation;
    const check = async (): Promise<void> => {
      if (snapshot !== undefined && !force) {
        let version: string | null;
        try {
          version = await file.version();
        } catch {
          version = null;
        }
        if (version !== null && version === snapshot.version) return;
      }
      const next = await readSnapshot();
      if (generation !== startedAt) return; // a refresh applied newer tokens meanwhile
      const previous = snapshot?.auth;
      if (!next.auth.ok && next.auth.code === "auth_file_invalid" && previous?.ok) {
        // The CLI rewrites in place (not atomically), so a torn read is possible: keep serving what we had.
        logger.warn("auth.json changed but cannot be parsed; keeping the loaded credentials", { path });
        return;
      }
      if (isReplaced(next.auth) && previous?.ok && !isReplaced(previous)) {
        // The file still holds tokens our last refresh replaced (its write failed): memory has the live ones.
        void track(saveUnsaved());
        return;
      }
      apply(next);
      // --share-credentials: a login or CLI refresh on this host is news for the other hosts.
      if (readShared !== undefined && next.auth.ok && (!previous?.ok || previous.accessToken !== next.auth.accessToken)) void syncShared();
    };
    checking = check().finally(() => {
      checking = undefined;
    });
    return checking;
  };

  const currentAuth = (): ResolvedAuth => {
    const auth = snapshot?.auth;
    if (auth === undefined) throw unavailable({ ok: false, code: "auth_file_not_found", message: `auth.json at ${path} is not loaded yet` });
    if (!auth.ok) throw unavailable(auth);
    return auth;
  };

  const needsRefresh = (auth: ResolvedAuth): boolean => {
    if (auth.expiresAt !== undefined) return auth.expiresAt - EXPIRY_MARGIN_MS <= now();
    if (auth.lastRefreshAt !== undefined) return now() - auth.lastRefreshAt > LAST_REFRESH_MAX_AGE_MS;
    return false;
  };

  const recordFailure = (refreshToken: string, terminal: boolean, detail: string, capMs?: number): ProxyError => {
    const failure = backoff.record(refreshToken, terminal, detail, capMs);
    logger.warn(terminal ? "token refresh rejected; a new login is needed" : "token refresh failed; backing off", {
      path,
      detail,
      retryInMs: terminal ? undefined : failure.delayMs,
    });
    return tokenRefreshFailed(path, failure, now());
  };

  /**
   * Writes auth.json: atomically, else in place (what the CLI does) when the temp file or the rename fails (a
   * single-file bind mount's EBUSY, a sticky folder's EPERM, ENOSPC). Throws the in-place write's error.
   */
  const writeBack = async (text: string): Promise<void> => {
    try {
      await file.writeAtomic(text);
    } catch (atomicError) {
      await file.writeInPlace(text);
      logger.warn("could not replace auth.json atomically; wrote it in place", { path, error: describeIoError(atomicError) });
    }
  };

  /** The version after our own write (null: unknown, so the next check re-reads the file). */
  const versionAfterWrite = (): Promise<string | null> => file.version().catch(() => null);

  /**
   * Tries again to write the tokens that only memory holds (D1), at most every UNSAVED_RETRY_MS, under the file
   * lock, and only while the file still holds the replaced ones (a new login or another refresh wins). Never throws.
   */
  const saveUnsaved = async (): Promise<void> => {
    const memory = snapshot?.auth;
    if (unsaved === undefined || !memory?.ok || unsaved.refreshToken !== memory.refreshToken || now() < unsaved.retryAt) return;
    unsaved.retryAt = now() + UNSAVED_RETRY_MS;
    try {
      await withFileLock(undefined, async () => {
        const disk = await readSnapshot();
        if (disk.text === null || !isReplaced(disk.auth)) return;
        const update = { accessToken: memory.accessToken, refreshToken: memory.refreshToken, idToken: memory.idToken };
        const text = patchAuthFile(disk.text, update, memory.lastRefreshAt ?? now());
        await writeBack(text);
        unsaved = undefined;
        if (snapshot?.auth === memory) snapshot.version = await versionAfterWrite();
        logger.info("wrote the tokens kept in memory to auth.json", { path });
      });
    } catch (error) {
      logger.warn("still cannot write auth.json; the refreshed tokens stay in memory only", { path, error: describeIoError(error) });
    }
  };

  /** The shared tokens written into auth.json (created if missing) as a new snapshot; the caller holds the file lock. */
  const writeFromShared = async (disk: Snapshot, shared: SharedTokens): Promise<Snapshot> => {
    const update = { accessToken: shared.accessToken, refreshToken: shared.refreshToken, idToken: shared.idToken };
    let text: string;
    try {
      text = patchAuthFile(disk.text ?? EMPTY_AUTH_FILE, update, shared.refreshedAt);
    } catch {
      text = patchAuthFile(EMPTY_AUTH_FILE, update, shared.refreshedAt); // unparsable file: the shared login replaces it
    }
    await writeBack(text);
    const version = await versionAfterWrite();
    return { version, text, auth: resolveCredentials(text, path) };
  };

  /** Holds the file lock around `fn`; a lock failure becomes a back-off on `refreshToken` (or a plain throw without one). */
  const withFileLock = async <T>(refreshToken: string | undefined, fn: () => Promise<T>): Promise<T> => {
    let release: () => Promise<void>;
    try {
      release = await file.lock();
    } catch (error) {
      // The runtimes' lock errors name the lock path and the cause, never file content.
      const reason = error instanceof Error ? error.message : describeIoError(error);
      if (refreshToken === undefined) throw error;
      // A held lock says when its lease ends: a stale leftover never blocks the refresh longer than that.
      const leaseEndsIn = (error as { retryInMs?: unknown } | null)?.retryInMs;
      throw recordFailure(refreshToken, false, `could not lock auth.json: ${reason}`, typeof leaseEndsIn === "number" ? leaseEndsIn : undefined);
    }
    try {
      return await fn();
    } finally {
      await release().catch((error: unknown) => logger.warn("could not release the auth.json lock", { path, error: describeIoError(error) }));
    }
  };

  /**
   * --share-credentials: the later of the shared and the local tokens wins on both sides (the shared ones are
   * written into auth.json, the local ones into the store). Under both locks; never throws.
   */
  const syncShared = async (): Promise<void> => {
    if (coordinator === undefined || readShared === undefined || writeShared === undefined) return;
    try {
      await coordinator.withLock(() =>
        withFileLock(undefined, async () => {
          const disk = await readSnapshot();
          const local = disk.auth.ok ? disk.auth : undefined;
          const shared = await readShared();
          const side = newerSide(shared, local);
          if (side === "shared" && shared !== undefined) {
            apply(await writeFromShared(disk, shared));
            logger.info("adopted the tokens another instance shared", { path });
          } else if (side === "local" && local !== undefined) {
            await writeShared(toSharedTokens(local, now()));
            await coordinator.publishChanged();
            logger.info("shared the tokens from auth.json with the other instances", { path });
          }
        }),
      );
    } catch (error) {
      logger.warn("could not compare auth.json with the shared credentials", { path, error: describeCoordinatorError(error) });
    }
  };

  /** A notice from another instance: re-read auth.json, or (--share-credentials) take the shared tokens if later. */
  const onNotice = async (): Promise<void> => {
    if (readShared === undefined) {
      await checking; // a check that began before the notice may have read the old file: force a fresh one after it
      return refreshSnapshot(true);
    }
    try {
      const shared = await readShared();
      const current = snapshot?.auth;
      if (shared === undefined || newerSide(shared, current?.ok ? current : undefined) !== "shared") return;
      await withFileLock(undefined, async () => {
        const disk = await readSnapshot();
        if (newerSide(shared, disk.auth.ok ? disk.auth : undefined) !== "shared") return;
        apply(await writeFromShared(disk, shared));
        logger.info("adopted the tokens another instance shared", { path });
      });
    } catch (error) {
      logger.warn("could not read the shared credentials", { path, error: describeCoordinatorError(error) });
    }
  };
  coordinator?.onChanged(() => void track(onNotice()));
  /** --share-credentials: start from the later of auth.json and the shared tokens. */
  const ready = track(syncShared());

  /** The refresh, first under the coordinator's lock when there is one (issue #10 item 3). */
  const runRefresh = async (usedAccessToken: string | undefined): Promise<Credentials> => {
    const memory = currentAuth();
    if (memory.refreshToken === undefined) throw noRefreshToken(path);
    const blocked = backoff.blocking(memory.refreshToken);
    if (blocked !== undefined) throw tokenRefreshFailed(path, blocked, now()); // fail fast: no lock, no network
    const memoryRefreshToken = memory.refreshToken;
    if (coordinator === undefined) return refreshUnderFileLock(usedAccessToken, memoryRefreshToken);
    let entered = false;
    try {
      return await coordinator.withLock(() => {
        entered = true;
        return refreshUnderFileLock(usedAccessToken, memoryRefreshToken);
      });
    } catch (error) {
      if (entered) throw error;
      throw recordFailure(memoryRefreshToken, false, `could not take the refresh lock shared by the instances: ${describeCoordinatorError(error)}`);
    }
  };

  /** The refresh itself, under the lock from the re-read to the rename (spec §3.4 "Concurrency", §3.5). */
  const refreshUnderFileLock = (usedAccessToken: string | undefined, memoryRefreshToken: string): Promise<Credentials> =>
    withFileLock(memoryRefreshToken, async () => {
      let disk = await readSnapshot();
      if (readShared !== undefined) {
        // Another host may have refreshed: its tokens are the ones to use (and its refresh token the only live one).
        let shared: SharedTokens | undefined;
        try {
          shared = await readShared();
        } catch (error) {
          throw recordFailure(memoryRefreshToken, false, `could not read the shared credentials: ${describeCoordinatorError(error)}`);
        }
        if (shared !== undefined && newerSide(shared, disk.auth.ok ? disk.auth : undefined) === "shared") {
          try {
            disk = await writeFromShared(disk, shared);
          } catch (error) {
            throw recordFailure(memoryRefreshToken, false, `could not write the shared tokens into auth.json: ${describeIoError(error)}`);
          }
        }
      }
      if (!disk.auth.ok || disk.text === null) {
        apply(disk);
        throw unavailable(disk.auth.ok ? { ok: false, code: "auth_file_not_found", message: `auth.json at ${path} vanished` } : disk.auth);
      }
      const onDisk = disk.auth;
      // A file holding tokens our last refresh replaced is stale (its write failed, D1): memory has the live ones.
      const stale = isReplaced(onDisk);
      // Another process (the CLI, another proxy) may have refreshed already: adopt, never reuse a rotated token.
      const changed = onDisk.refreshToken !== memoryRefreshToken || (usedAccessToken !== undefined && onDisk.accessToken !== usedAccessToken);
      if (changed && !stale) {
        apply(disk);
        const fresh = usedAccessToken !== undefined ? onDisk.accessToken !== usedAccessToken : !needsRefresh(onDisk);
        if (fresh) {
          logger.info("adopted tokens another process stored in auth.json", { path });
          return toCredentials(onDisk);
        }
      }
      const refreshToken = stale ? memoryRefreshToken : onDisk.refreshToken;
      if (refreshToken === undefined) throw noRefreshToken(path);
      if (replaced.includes(refreshToken)) throw recordFailure(refreshToken, true, "refresh_token_already_rotated"); // never spend it

      logger.debug("refreshing the access token", { path });
      const outcome = await requestTokenRefresh({ fetch: options.fetch, tokenUrl: options.tokenUrl, clientId, refreshToken });
      options.onRefresh?.(outcome.kind === "ok" ? "ok" : "failed");
      if (outcome.kind === "terminal") throw recordFailure(refreshToken, true, outcome.code);
      if (outcome.kind === "transient") throw recordFailure(refreshToken, false, outcome.reason);

      // The endpoint has rotated the tokens: from now on only the new ones work, whatever happens to the write (D1).
      if (outcome.tokens.refreshToken !== undefined) {
        replaced.push(refreshToken);
        if (replaced.length > REPLACED_MEMORY) replaced.shift();
      }
      const text = patchAuthFile(disk.text, outcome.tokens, now());
      const auth = resolveCredentials(text, path);
      const next: Snapshot = { version: null, text, auth };
      apply(next);
      backoff.clear();
      unsaved = undefined;
      try {
        await writeBack(text);
        next.version = await versionAfterWrite();
      } catch (error) {
        const reason = describeIoError(error);
        unsaved = { refreshToken: auth.ok ? auth.refreshToken : undefined, reason, retryAt: now() + UNSAVED_RETRY_MS };
        logger.error("refreshed the token but could not write auth.json; serving the new tokens from memory", { path, error: reason });
      }
      if (!auth.ok) throw unavailable(auth);
      logger.info("refreshed the access token", {
        path,
        accountId: auth.accountId !== undefined,
        expiresAt: auth.expiresAt === undefined ? undefined : new Date(auth.expiresAt).toISOString(),
      });
      if (coordinator !== undefined) {
        if (writeShared !== undefined) {
          // Still under the lock: the next instance to take it must find these tokens, not the rotated ones.
          await writeShared(toSharedTokens(auth, now())).catch((error: unknown) =>
            logger.error("refreshed the token but could not share it; other hosts will need a new login", { path, error: describeCoordinatorError(error) }),
          );
        }
        await coordinator.publishChanged();
      }
      return toCredentials(auth);
    });

  /** Single flight: every caller during a refresh awaits the same promise, so one token request per expiry. */
  const refreshOnce = (usedAccessToken: string | undefined): Promise<Credentials> => {
    flight ??= track(
      runRefresh(usedAccessToken).finally(() => {
        flight = undefined;
      }),
    );
    return flight;
  };

  return {
    busy: () => pending.size > 0,
    async idle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },

    async getCredentials() {
      await ready;
      await refreshSnapshot(false);
      const auth = currentAuth();
      if (!needsRefresh(auth)) return toCredentials(auth);
      if (!allowRefresh) {
        if (warnedExpired !== auth.accessToken) {
          warnedExpired = auth.accessToken;
          logger.warn("access token in auth.json is expired or about to; refresh is off (--allow-refresh)", { path });
        }
        return toCredentials(auth);
      }
      try {
        return await refreshOnce(undefined);
      } catch (error) {
        // Refreshing early failed but the token itself still works: use it rather than fail the request.
        if (auth.expiresAt !== undefined && auth.expiresAt > now() && snapshot?.auth === auth) {
          logger.debug("serving the current token until it expires", { path });
          return toCredentials(auth);
        }
        throw error;
      }
    },

    async recoverFromUnauthorized(used) {
      await ready;
      await refreshSnapshot(true);
      const auth = currentAuth();
      if (auth.accessToken !== used.accessToken) return toCredentials(auth);
      if (!allowRefresh) throw tokenRejected(path);
      return refreshOnce(used.accessToken);
    },

    async status() {
      await ready;
      await refreshSnapshot(false);
      const auth = snapshot?.auth;
      if (auth === undefined || !auth.ok) {
        return { path, loaded: false, accountId: false, error: auth?.message ?? "not loaded" };
      }
      const status: AuthStatus = { path, loaded: true, accountId: auth.accountId !== undefined };
      if (auth.expiresAt !== undefined) status.expiresAt = new Date(auth.expiresAt).toISOString();
      const failure = backoff.current(auth.refreshToken);
      if (failure !== undefined) status.error = tokenRefreshFailed(path, failure, now()).message;
      else if (unsaved !== undefined && unsaved.refreshToken === auth.refreshToken) {
        status.error = unsavedTokensMessage(path, unsaved.reason);
      }
      return status;
    },
  };
};
