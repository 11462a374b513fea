// The token refresh (spec §3.4, §3.5, §3.6): single flight, under the instances' lock when there is one and under
// auth.json's lock file from the re-read to the write; first adopt tokens another process stored, else call the token
// endpoint, serve the rotated tokens at once (D1) and write them back as a JSON patch. Failures back off.
import type { ProxyError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { describeIoError, noRefreshToken, tokenRefreshFailed, unavailable } from "./auth-errors.ts";
import type { AuthFileWriter } from "./auth-file-writer.ts";
import { toCredentials, type AuthSnapshot, type Snapshot } from "./auth-snapshot.ts";
import { patchAuthFile } from "./patch-auth-file.ts";
import { createRefreshBackoff } from "./refresh-backoff.ts";
import { requestTokenRefresh } from "./refresh-token.ts";
import { resolveCredentials, type ResolvedAuth } from "./resolve-credentials.ts";
import type { RotatedTokens } from "./rotated-tokens.ts";
import type { SharedCredentials } from "./shared-credentials.ts";
import type { Credentials } from "./types.ts";

/** Refresh when `exp` is this close (spec §3.4: within 1 minute). */
const EXPIRY_MARGIN_MS = 60_000;
/** Without a readable `exp`: refresh when `last_refresh` is older than 8 days (spec §3.4 [TIME]). */
const LAST_REFRESH_MAX_AGE_MS = 8 * 24 * 60 * 60 * 1_000;
/** A torn read under the lock (the CLI rewrites auth.json in place) is read again this often, this far apart (red team D8). */
const TORN_READ_RETRIES = 5;
const TORN_READ_DELAY_MS = 50;

export interface TokenRefreshOptions {
  path: string;
  /** Token endpoint only. */
  fetch: typeof fetch;
  now: () => number;
  logger: Logger;
  tokenUrl: string;
  clientId: string;
  onRefresh: ((result: "ok" | "failed") => void) | undefined;
  snapshots: AuthSnapshot;
  writer: AuthFileWriter;
  rotated: RotatedTokens;
  shared: SharedCredentials;
  /** Registers work that shutdown must wait for (it may hold the lock file or owe auth.json a write). */
  track: <T>(work: Promise<T>) => Promise<T>;
}

export interface TokenRefresh {
  /** True when `auth`'s access token expires within a minute (or, without `exp`, `last_refresh` is over 8 days old). */
  needsRefresh(auth: ResolvedAuth): boolean;
  /**
   * Single flight: every caller during a token refresh awaits the same promise, so one token request per expiry.
   * `usedAccessToken` is the token an upstream 401 rejected (undefined: a refresh before expiry).
   */
  refreshOnce(usedAccessToken: string | undefined): Promise<Credentials>;
  /** /health's text for the last failed token refresh with `refreshToken`, if any. */
  failureMessage(refreshToken: string | undefined): string | undefined;
}

/** What the re-read under the lock decided: tokens another process stored, or the refresh token to spend. */
type Decision = { kind: "adopted"; credentials: Credentials } | { kind: "call"; refreshToken: string; text: string };

export const createTokenRefresh = (o: TokenRefreshOptions): TokenRefresh => {
  const { path, now, logger, snapshots, writer, rotated, shared } = o;
  const backoff = createRefreshBackoff(now);
  let flight: Promise<Credentials> | undefined;

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
   * Another process (the CLI, another proxy) may have refreshed already: adopt its tokens, never reuse a rotated
   * refresh token. Otherwise names the refresh token to spend. Applies what it adopts.
   */
  const adoptOrChoose = (disk: Snapshot, usedAccessToken: string | undefined, memoryRefreshToken: string): Decision => {
    if (!disk.auth.ok || disk.text === null) {
      // Still torn after the re-reads: this refresh fails, but the loaded credentials stay (D8), as on reload.
      const torn = !disk.auth.ok && disk.auth.code === "auth_file_invalid" && snapshots.current()?.ok === true;
      if (!torn) snapshots.apply(disk);
      throw unavailable(disk.auth.ok ? { ok: false, code: "auth_file_not_found", message: `auth.json at ${path} vanished` } : disk.auth);
    }
    const onDisk = disk.auth;
    // A file holding tokens our last token refresh replaced is stale (its write failed, D1): memory has the live ones.
    const stale = rotated.isReplaced(onDisk);
    const changed = onDisk.refreshToken !== memoryRefreshToken || (usedAccessToken !== undefined && onDisk.accessToken !== usedAccessToken);
    if (changed && !stale) {
      snapshots.apply(disk);
      const fresh = usedAccessToken !== undefined ? onDisk.accessToken !== usedAccessToken : !needsRefresh(onDisk);
      if (fresh) {
        logger.info("adopted tokens another process stored in auth.json", { path });
        return { kind: "adopted", credentials: toCredentials(onDisk) };
      }
    }
    const refreshToken = stale ? memoryRefreshToken : onDisk.refreshToken;
    if (refreshToken === undefined) throw noRefreshToken(path);
    if (rotated.wasReplaced(refreshToken)) throw recordFailure(refreshToken, true, "refresh_token_already_rotated"); // never spend it
    return { kind: "call", refreshToken, text: disk.text };
  };

  /** One call to the token endpoint with `refreshToken`; the new tokens are served at once and written into `diskText`. */
  const callAndWriteBack = async (refreshToken: string, diskText: string): Promise<Credentials> => {
    logger.debug("refreshing the access token", { path });
    const outcome = await requestTokenRefresh({ fetch: o.fetch, tokenUrl: o.tokenUrl, clientId: o.clientId, refreshToken });
    o.onRefresh?.(outcome.kind === "ok" ? "ok" : "failed");
    if (outcome.kind === "terminal") throw recordFailure(refreshToken, true, outcome.code);
    if (outcome.kind === "transient") throw recordFailure(refreshToken, false, outcome.reason);

    // The endpoint has rotated the tokens: from now on only the new ones work, whatever happens to the write (D1).
    if (outcome.tokens.refreshToken !== undefined) rotated.remember(refreshToken);
    const text = patchAuthFile(diskText, outcome.tokens, now());
    const auth = resolveCredentials(text, path);
    snapshots.apply({ version: null, text, auth });
    backoff.clear();
    rotated.clearUnsaved();
    try {
      await writer.writeBack(text);
      snapshots.noteOwnWrite(auth, await writer.versionAfterWrite());
    } catch (error) {
      const reason = describeIoError(error);
      rotated.markUnsaved(auth.ok ? auth.refreshToken : undefined, reason);
      logger.error("refreshed the token but could not write auth.json; serving the new tokens from memory", { path, error: reason });
    }
    if (!auth.ok) throw unavailable(auth);
    logger.info("refreshed the access token", {
      path,
      accountId: auth.accountId !== undefined,
      expiresAt: auth.expiresAt === undefined ? undefined : new Date(auth.expiresAt).toISOString(),
    });
    await shared.announce(auth);
    return toCredentials(auth);
  };

  /** auth.json as it is under the lock; an unparsable read is retried a few times first (D8: torn, not broken). */
  const readUnderLock = async (): Promise<Snapshot> => {
    let disk = await snapshots.read();
    for (let retry = 0; retry < TORN_READ_RETRIES && !disk.auth.ok && disk.auth.code === "auth_file_invalid"; retry++) {
      await new Promise((resolve) => setTimeout(resolve, TORN_READ_DELAY_MS));
      disk = await snapshots.read();
    }
    return disk;
  };

  /** Under the lock from the re-read to the rename (spec §3.4 "Concurrency", §3.5). */
  const refreshUnderFileLock = (usedAccessToken: string | undefined, memoryRefreshToken: string): Promise<Credentials> =>
    writer.withLock(
      async () => {
        const disk = await shared.adoptBeforeRefresh(await readUnderLock(), (detail) => recordFailure(memoryRefreshToken, false, detail));
        const decision = adoptOrChoose(disk, usedAccessToken, memoryRefreshToken);
        if (decision.kind === "adopted") return decision.credentials;
        return callAndWriteBack(decision.refreshToken, decision.text);
      },
      (reason, leaseEndsInMs) => recordFailure(memoryRefreshToken, false, `could not lock auth.json: ${reason}`, leaseEndsInMs),
    );

  /** The token refresh, first under the instances' lock when there is one (issue #10 item 3). */
  const runRefresh = async (usedAccessToken: string | undefined): Promise<Credentials> => {
    const memory = snapshots.currentAuth();
    if (memory.refreshToken === undefined) throw noRefreshToken(path);
    const blocked = backoff.blocking(memory.refreshToken);
    if (blocked !== undefined) throw tokenRefreshFailed(path, blocked, now()); // fail fast: no lock, no network
    const memoryRefreshToken = memory.refreshToken;
    return shared.underInstanceLock(
      () => refreshUnderFileLock(usedAccessToken, memoryRefreshToken),
      (detail) => recordFailure(memoryRefreshToken, false, detail),
    );
  };

  return {
    needsRefresh,
    refreshOnce(usedAccessToken) {
      flight ??= o.track(
        runRefresh(usedAccessToken).finally(() => {
          flight = undefined;
        }),
      );
      return flight;
    },
    failureMessage(refreshToken) {
      const failure = backoff.current(refreshToken);
      return failure === undefined ? undefined : tokenRefreshFailed(path, failure, now()).message;
    },
  };
};
