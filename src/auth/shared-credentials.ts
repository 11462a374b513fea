// Several instances (issue #10 item 3) through an optional RefreshCoordinator: the cross-instance lock around a token
// refresh, the "credentials changed" notice, and with --share-credentials (readShared/writeShared) the tokens
// themselves, the later of auth.json and the shared ones winning on both sides. Without a coordinator every step
// here is a no-op or runs its work directly.
import type { Logger } from "../log.ts";
import { describeCoordinatorError, describeIoError } from "./auth-errors.ts";
import type { AuthFileWriter } from "./auth-file-writer.ts";
import type { AuthSnapshot, Snapshot } from "./auth-snapshot.ts";
import { readJwtExpiry } from "./jwt.ts";
import { patchAuthFile } from "./patch-auth-file.ts";
import { resolveCredentials, type ResolvedAuth } from "./resolve-credentials.ts";
import type { RefreshCoordinator, SharedTokens } from "./types.ts";

/** An auth.json for an instance that has only the shared tokens (another host's login). */
const EMPTY_AUTH_FILE = `${JSON.stringify({ auth_mode: "chatgpt", OPENAI_API_KEY: null, tokens: {} }, null, 2)}\n`;

const toSharedTokens = (auth: ResolvedAuth, fallbackAt: number): SharedTokens => {
  const shared: SharedTokens = { accessToken: auth.accessToken, refreshedAt: auth.lastRefreshAt ?? fallbackAt };
  if (auth.refreshToken !== undefined) shared.refreshToken = auth.refreshToken;
  if (auth.idToken !== undefined) shared.idToken = auth.idToken;
  return shared;
};

/**
 * Which side holds the later login or token refresh: `last_refresh` against the shared `refreshedAt`, else the later
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

export interface SharedCredentials {
  /**
   * --share-credentials: the later of the shared and the local tokens wins on both sides (the shared ones are
   * written into auth.json, the local ones into the store). Under both locks; never throws.
   */
  sync(): Promise<void>;
  /** A notice from another instance: re-read auth.json, or (--share-credentials) take the shared tokens if later. */
  onNotice(): Promise<void>;
  /** Runs a token refresh under the instances' lock when there is a coordinator; `onLockFailure` words a lock that cannot be had. */
  underInstanceLock<T>(fn: () => Promise<T>, onLockFailure: (detail: string) => Error): Promise<T>;
  /**
   * Inside a token refresh, under the file lock: `disk` with the shared tokens written in when another host's are
   * later (its refresh token is then the only live one). Throws `fail`'s error when they cannot be read or written.
   */
  adoptBeforeRefresh(disk: Snapshot, fail: (detail: string) => Error): Promise<Snapshot>;
  /** After a token refresh, still under the lock: shares the new tokens (--share-credentials) and tells the other instances. */
  announce(auth: ResolvedAuth): Promise<void>;
}

export const createSharedCredentials = (o: {
  coordinator: RefreshCoordinator | undefined;
  snapshots: AuthSnapshot;
  writer: AuthFileWriter;
  logger: Logger;
  now: () => number;
  path: string;
}): SharedCredentials => {
  const { coordinator, snapshots, writer, logger, now, path } = o;
  const readShared = coordinator?.readShared?.bind(coordinator);
  const writeShared = coordinator?.writeShared?.bind(coordinator);

  /** The shared tokens written into auth.json (created if missing) as a new snapshot; the caller holds the file lock. */
  const writeFromShared = async (disk: Snapshot, shared: SharedTokens): Promise<Snapshot> => {
    const update = { accessToken: shared.accessToken, refreshToken: shared.refreshToken, idToken: shared.idToken };
    let text: string;
    try {
      text = patchAuthFile(disk.text ?? EMPTY_AUTH_FILE, update, shared.refreshedAt);
    } catch {
      text = patchAuthFile(EMPTY_AUTH_FILE, update, shared.refreshedAt); // unparsable file: the shared login replaces it
    }
    await writer.writeBack(text);
    const version = await writer.versionAfterWrite();
    return { version, text, auth: resolveCredentials(text, path) };
  };

  return {
    async sync() {
      if (coordinator === undefined || readShared === undefined || writeShared === undefined) return;
      try {
        await coordinator.withLock(() =>
          writer.withLock(async () => {
            const disk = await snapshots.read();
            const local = disk.auth.ok ? disk.auth : undefined;
            const shared = await readShared();
            const side = newerSide(shared, local);
            if (side === "shared" && shared !== undefined) {
              snapshots.apply(await writeFromShared(disk, shared));
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
    },

    async onNotice() {
      if (readShared === undefined) {
        await snapshots.reloading(); // a check that began before the notice may have read the old file: force a fresh one after it
        return snapshots.reloadIfChanged(true);
      }
      try {
        const shared = await readShared();
        const current = snapshots.current();
        if (shared === undefined || newerSide(shared, current?.ok ? current : undefined) !== "shared") return;
        await writer.withLock(async () => {
          const disk = await snapshots.read();
          if (newerSide(shared, disk.auth.ok ? disk.auth : undefined) !== "shared") return;
          snapshots.apply(await writeFromShared(disk, shared));
          logger.info("adopted the tokens another instance shared", { path });
        });
      } catch (error) {
        logger.warn("could not read the shared credentials", { path, error: describeCoordinatorError(error) });
      }
    },

    async underInstanceLock(fn, onLockFailure) {
      if (coordinator === undefined) return fn();
      let entered = false;
      try {
        return await coordinator.withLock(() => {
          entered = true;
          return fn();
        });
      } catch (error) {
        if (entered) throw error;
        throw onLockFailure(`could not take the refresh lock shared by the instances: ${describeCoordinatorError(error)}`);
      }
    },

    async adoptBeforeRefresh(disk, fail) {
      if (readShared === undefined) return disk;
      let shared: SharedTokens | undefined;
      try {
        shared = await readShared();
      } catch (error) {
        throw fail(`could not read the shared credentials: ${describeCoordinatorError(error)}`);
      }
      if (shared === undefined || newerSide(shared, disk.auth.ok ? disk.auth : undefined) !== "shared") return disk;
      try {
        return await writeFromShared(disk, shared);
      } catch (error) {
        throw fail(`could not write the shared tokens into auth.json: ${describeIoError(error)}`);
      }
    },

    async announce(auth) {
      if (coordinator === undefined) return;
      if (writeShared !== undefined) {
        // Still under the lock: the next instance to take it must find these tokens, not the rotated ones.
        await writeShared(toSharedTokens(auth, now())).catch((error: unknown) =>
          logger.error("refreshed the token but could not share it; other hosts will need a new login", { path, error: describeCoordinatorError(error) }),
        );
      }
      await coordinator.publishChanged();
    },
  };
};
