// The auth.json the store serves from: one snapshot read from disk, reloaded when the file changes (spec §2.1),
// with a generation guard so that a read that started before a newer snapshot was applied cannot overwrite it.
import type { Logger } from "../log.ts";
import { describeIoError, unavailable } from "./auth-errors.ts";
import { resolveCredentials, type AuthResolution, type ResolvedAuth } from "./resolve-credentials.ts";
import type { AuthFile, Credentials } from "./types.ts";

/** How often `file.version()` is consulted on the request path. */
const VERSION_CHECK_INTERVAL_MS = 1_000;

/** One version of auth.json as read from disk. */
export interface Snapshot {
  version: string | null;
  text: string | null;
  auth: AuthResolution;
}

export const toCredentials = (auth: ResolvedAuth): Credentials => {
  const credentials: Credentials = { accessToken: auth.accessToken };
  if (auth.accountId !== undefined) credentials.accountId = auth.accountId;
  if (auth.expiresAt !== undefined) credentials.expiresAt = auth.expiresAt;
  return credentials;
};

export interface AuthSnapshotOptions {
  file: AuthFile;
  logger: Logger;
  now: () => number;
  /** True when `auth` holds tokens that our own token refresh replaced (a stale auth.json, D1). */
  isStale: (auth: AuthResolution) => boolean;
  /** A reload found a stale file while memory holds the live tokens: the snapshot is kept; write them back. */
  onStaleFile: () => void;
  /** A reload applied tokens other than the ones before (a login, or the CLI's token refresh, on this host). */
  onNewTokens: () => void;
}

export interface AuthSnapshot {
  /** The loaded credentials, or undefined before the first read. */
  current(): AuthResolution | undefined;
  /** The usable credentials; throws the ProxyError that says why there are none. */
  currentAuth(): ResolvedAuth;
  /** Reads auth.json as it is on disk now; never throws (an I/O error becomes an `auth_file_unreadable` problem). */
  read(): Promise<Snapshot>;
  /** Serves `next` from now on; logs a new problem or a missing account id once. */
  apply(next: Snapshot): void;
  /** After our own write of the snapshot holding `auth`: the file's version it left (null: re-read at the next check). */
  noteOwnWrite(auth: AuthResolution, version: string | null): void;
  /** Reloads when `file.version()` changed; consults it at most once a second unless `force`. Never throws. */
  reloadIfChanged(force: boolean): Promise<void>;
  /** The reload in progress, if any. */
  reloading(): Promise<void> | undefined;
  /** Why the file on disk is not what is served: an unparseable auth.json that the loaded credentials were kept over. */
  keptOver(): string | undefined;
}

export const createAuthSnapshot = (options: AuthSnapshotOptions): AuthSnapshot => {
  const { file, logger, now, isStale } = options;
  const path = file.path;
  let snapshot: Snapshot | undefined;
  /** Bumped on every applied snapshot, so a read that started earlier cannot overwrite a newer one. */
  let generation = 0;
  let checkedAt = Number.NEGATIVE_INFINITY;
  let checking: Promise<void> | undefined;
  /** Set while the loaded credentials are served over an auth.json that does not parse; cleared by the next apply. */
  let keptOver: string | undefined;

  const read = async (): Promise<Snapshot> => {
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
    keptOver = undefined;
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

  const reloadIfChanged = (force: boolean): Promise<void> => {
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
      const next = await read();
      if (generation !== startedAt) return; // a token refresh or an adoption applied newer tokens meanwhile
      const previous = snapshot?.auth;
      if (!next.auth.ok && next.auth.code === "auth_file_invalid" && previous?.ok) {
        // The CLI rewrites in place (not atomically), so a torn read is possible: keep serving what we had.
        // /health says so while it lasts (issue 18 item 5): a file that stays truncated must not go unnoticed.
        if (keptOver === undefined) logger.warn("auth.json changed but cannot be parsed; keeping the loaded credentials", { path });
        keptOver = `${next.auth.message}; serving the credentials loaded before it changed`;
        return;
      }
      if (isStale(next.auth) && previous?.ok && !isStale(previous)) {
        // The file still holds tokens our last token refresh replaced (its write failed): memory has the live ones.
        options.onStaleFile();
        return;
      }
      apply(next);
      if (next.auth.ok && (!previous?.ok || previous.accessToken !== next.auth.accessToken)) options.onNewTokens();
    };
    checking = check().finally(() => {
      checking = undefined;
    });
    return checking;
  };

  return {
    current: () => snapshot?.auth,
    currentAuth() {
      const auth = snapshot?.auth;
      if (auth === undefined) throw unavailable({ ok: false, code: "auth_file_not_found", message: `auth.json at ${path} is not loaded yet` });
      if (!auth.ok) throw unavailable(auth);
      return auth;
    },
    read,
    apply,
    noteOwnWrite(auth, version) {
      if (snapshot?.auth === auth) snapshot.version = version;
    },
    reloadIfChanged,
    reloading: () => checking,
    keptOver: () => keptOver,
  };
};
