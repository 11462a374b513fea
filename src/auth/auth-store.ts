// createAuthStore: the current ChatGPT credentials from auth.json, reloaded when the file changes (spec §2.1),
// refreshed single-flight under a lock file and written back as a JSON patch (spec §3.4, §3.5, §3.6).
import { ProxyError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { patchAuthFile } from "./patch-auth-file.ts";
import { createRefreshBackoff, type RefreshFailure } from "./refresh-backoff.ts";
import { requestTokenRefresh } from "./refresh-token.ts";
import { resolveCredentials, type AuthProblem, type AuthResolution, type ResolvedAuth } from "./resolve-credentials.ts";
import type { AuthFile, AuthStatus, AuthStore, Credentials } from "./types.ts";

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
}

const DEFAULT_CLIENT_ID = "app_EMoamEEZ73f0CkXaXp7hrann";
/** How often `file.version()` is consulted on the request path. */
const VERSION_CHECK_INTERVAL_MS = 1_000;
/** Refresh when `exp` is this close (spec §3.4: within 1 minute). */
const EXPIRY_MARGIN_MS = 60_000;
/** Without a readable `exp`: refresh when `last_refresh` is older than 8 days (spec §3.4 [TIME]). */
const LAST_REFRESH_MAX_AGE_MS = 8 * 24 * 60 * 60 * 1_000;

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

const unavailable = (problem: AuthProblem): ProxyError =>
  new ProxyError("auth_unavailable", { message: problem.message, code: problem.code });

const describeIoError = (error: unknown): string => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : error instanceof Error ? error.name : "I/O error";
};

/** The credential store of spec §2–3 over an injected file, clock and token-endpoint fetch. */
export const createAuthStore = (options: AuthStoreOptions): AuthStore => {
  const { file, logger, now, allowRefresh } = options;
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
      apply(next);
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

  const failureError = (state: RefreshFailure): ProxyError => {
    if (state.terminal) {
      return new ProxyError("upstream_unauthorized", {
        code: state.detail,
        message: `token refresh failed with ${state.detail}: the ChatGPT login in ${path} can no longer be refreshed; run \`codex login\` to sign in again`,
      });
    }
    const seconds = Math.max(1, Math.ceil((state.retryAt - now()) / 1_000));
    return new ProxyError("upstream_unauthorized", {
      code: "token_refresh_failed",
      message: `token refresh failed (${state.detail}); keeping the current tokens, next attempt in ${seconds} s. If this persists, run \`codex login\``,
    });
  };

  const noRefreshToken = (): ProxyError =>
    new ProxyError("upstream_unauthorized", {
      code: "no_refresh_token",
      message: `auth.json at ${path} has no tokens.refresh_token, so the access token cannot be refreshed: run \`codex login\``,
    });

  const recordFailure = (refreshToken: string, terminal: boolean, detail: string): ProxyError => {
    const failure = backoff.record(refreshToken, terminal, detail);
    logger.warn(terminal ? "token refresh rejected; a new login is needed" : "token refresh failed; backing off", {
      path,
      detail,
      retryInMs: terminal ? undefined : failure.delayMs,
    });
    return failureError(failure);
  };

  /** The refresh itself, under the lock from the re-read to the rename (spec §3.4 "Concurrency", §3.5). */
  const runRefresh = async (usedAccessToken: string | undefined): Promise<Credentials> => {
    const memory = currentAuth();
    if (memory.refreshToken === undefined) throw noRefreshToken();
    const blocked = backoff.blocking(memory.refreshToken);
    if (blocked !== undefined) throw failureError(blocked); // fail fast: no lock, no network
    let release: () => Promise<void>;
    try {
      release = await file.lock();
    } catch (error) {
      // The runtimes' lock errors name the lock path and the cause, never file content.
      const reason = error instanceof Error ? error.message : describeIoError(error);
      throw recordFailure(memory.refreshToken, false, `could not lock auth.json: ${reason}`);
    }
    try {
      const disk = await readSnapshot();
      if (!disk.auth.ok || disk.text === null) {
        apply(disk);
        throw unavailable(disk.auth.ok ? { ok: false, code: "auth_file_not_found", message: `auth.json at ${path} vanished` } : disk.auth);
      }
      const onDisk = disk.auth;
      // Another process (the CLI, another proxy) may have refreshed already: adopt, never reuse a rotated token.
      const changed = onDisk.refreshToken !== memory.refreshToken || (usedAccessToken !== undefined && onDisk.accessToken !== usedAccessToken);
      if (changed) {
        apply(disk);
        const fresh = usedAccessToken !== undefined ? onDisk.accessToken !== usedAccessToken : !needsRefresh(onDisk);
        if (fresh) {
          logger.info("adopted tokens another process stored in auth.json", { path });
          return toCredentials(onDisk);
        }
      }
      const refreshToken = onDisk.refreshToken;
      if (refreshToken === undefined) throw noRefreshToken();

      logger.debug("refreshing the access token", { path });
      const outcome = await requestTokenRefresh({ fetch: options.fetch, tokenUrl: options.tokenUrl, clientId, refreshToken });
      if (outcome.kind === "terminal") throw recordFailure(refreshToken, true, outcome.code);
      if (outcome.kind === "transient") throw recordFailure(refreshToken, false, outcome.reason);

      const text = patchAuthFile(disk.text, outcome.tokens, now());
      try {
        await file.writeAtomic(text);
      } catch (error) {
        logger.error("refreshed the token but could not write auth.json", { path, error: describeIoError(error) });
        throw new ProxyError("upstream_unauthorized", {
          code: "auth_file_write_failed",
          message: `refreshed the ChatGPT token but could not write auth.json at ${path} (${describeIoError(error)}): check its permissions, then run \`codex login\``,
        });
      }
      let version: string | null = null;
      try {
        version = await file.version();
      } catch {
        // Unknown version: the next check simply re-reads the file.
      }
      const auth = resolveCredentials(text, path);
      apply({ version, text, auth });
      backoff.clear();
      if (!auth.ok) throw unavailable(auth);
      logger.info("refreshed the access token", {
        path,
        accountId: auth.accountId !== undefined,
        expiresAt: auth.expiresAt === undefined ? undefined : new Date(auth.expiresAt).toISOString(),
      });
      return toCredentials(auth);
    } finally {
      await release().catch((error: unknown) => logger.warn("could not release the auth.json lock", { path, error: describeIoError(error) }));
    }
  };

  /** Single flight: every caller during a refresh awaits the same promise, so one token request per expiry. */
  const refreshOnce = (usedAccessToken: string | undefined): Promise<Credentials> => {
    flight ??= runRefresh(usedAccessToken).finally(() => {
      flight = undefined;
    });
    return flight;
  };

  return {
    async getCredentials() {
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
      await refreshSnapshot(true);
      const auth = currentAuth();
      if (auth.accessToken !== used.accessToken) return toCredentials(auth);
      if (!allowRefresh) {
        throw new ProxyError("upstream_unauthorized", {
          code: "token_rejected",
          message: `the ChatGPT backend rejected the access token from ${path}: run \`codex login\`, or start the proxy with --allow-refresh so it refreshes the token itself`,
        });
      }
      return refreshOnce(used.accessToken);
    },

    async status() {
      await refreshSnapshot(false);
      const auth = snapshot?.auth;
      if (auth === undefined || !auth.ok) {
        return { path, loaded: false, accountId: false, error: auth?.message ?? "not loaded" };
      }
      const status: AuthStatus = { path, loaded: true, accountId: auth.accountId !== undefined };
      if (auth.expiresAt !== undefined) status.expiresAt = new Date(auth.expiresAt).toISOString();
      const failure = backoff.current(auth.refreshToken);
      if (failure !== undefined) status.error = failureError(failure).message;
      return status;
    },
  };
};
