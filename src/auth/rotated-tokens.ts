// What the store remembers about tokens the token endpoint rotated (red-team D1): the refresh tokens its own token
// refresh replaced (a file that still holds one is stale), and new tokens that only memory holds because writing
// auth.json failed, with the throttled retry of that write.
import type { Logger } from "../log.ts";
import { describeIoError } from "./auth-errors.ts";
import type { AuthFileWriter } from "./auth-file-writer.ts";
import type { AuthSnapshot } from "./auth-snapshot.ts";
import { patchAuthFile } from "./patch-auth-file.ts";
import type { AuthResolution } from "./resolve-credentials.ts";

/** Tokens kept in memory only because auth.json could not be written: how often writing them is tried again. */
const UNSAVED_RETRY_MS = 30_000;
/** How many refresh tokens that a token call replaced are remembered (to recognise a stale auth.json). */
const REPLACED_MEMORY = 16;

export interface RotatedTokens {
  /** True when `auth` holds a refresh token that our token refresh replaced: its tokens are never used again. */
  isReplaced(auth: AuthResolution | undefined): boolean;
  wasReplaced(refreshToken: string): boolean;
  /** The endpoint rotated `refreshToken`: from now on only the new tokens work. */
  remember(refreshToken: string): void;
  /** The tokens with `refreshToken` could not be written to auth.json (`reason`, e.g. `EACCES`). */
  markUnsaved(refreshToken: string | undefined, reason: string): void;
  clearUnsaved(): void;
  /** Why the tokens with `refreshToken` are in memory only, or undefined when they were written. */
  unsavedReason(refreshToken: string | undefined): string | undefined;
  /**
   * Tries again to write the tokens that only memory holds, at most every UNSAVED_RETRY_MS, under the file lock, and
   * only while the file still holds the replaced ones (a new login or another token refresh wins). Never throws.
   */
  saveUnsaved(): Promise<void>;
}

export const createRotatedTokens = (o: { snapshots: AuthSnapshot; writer: AuthFileWriter; logger: Logger; now: () => number; path: string }): RotatedTokens => {
  const { snapshots, writer, logger, now, path } = o;
  /** Refresh tokens that a successful token call replaced (the endpoint rotates them: spec §3.2). */
  const replaced: string[] = [];
  /** Set while the tokens in memory could not be written to auth.json; `retryAt` throttles the next attempt. */
  let unsaved: { refreshToken: string | undefined; reason: string; retryAt: number } | undefined;

  const isReplaced = (auth: AuthResolution | undefined): boolean =>
    auth?.ok === true && auth.refreshToken !== undefined && replaced.includes(auth.refreshToken);

  return {
    isReplaced,
    wasReplaced: (refreshToken) => replaced.includes(refreshToken),
    remember(refreshToken) {
      replaced.push(refreshToken);
      if (replaced.length > REPLACED_MEMORY) replaced.shift();
    },
    markUnsaved(refreshToken, reason) {
      unsaved = { refreshToken, reason, retryAt: now() + UNSAVED_RETRY_MS };
    },
    clearUnsaved() {
      unsaved = undefined;
    },
    unsavedReason: (refreshToken) => (unsaved !== undefined && unsaved.refreshToken === refreshToken ? unsaved.reason : undefined),

    async saveUnsaved() {
      const memory = snapshots.current();
      if (unsaved === undefined || !memory?.ok || unsaved.refreshToken !== memory.refreshToken || now() < unsaved.retryAt) return;
      unsaved.retryAt = now() + UNSAVED_RETRY_MS;
      try {
        await writer.withLock(async () => {
          const disk = await snapshots.read();
          if (disk.text === null || !isReplaced(disk.auth)) return;
          const update = { accessToken: memory.accessToken, refreshToken: memory.refreshToken, idToken: memory.idToken };
          const text = patchAuthFile(disk.text, update, memory.lastRefreshAt ?? now());
          await writer.writeBack(text);
          unsaved = undefined;
          if (snapshots.current() === memory) snapshots.noteOwnWrite(memory, await writer.versionAfterWrite());
          logger.info("wrote the tokens kept in memory to auth.json", { path });
        });
      } catch (error) {
        logger.warn("still cannot write auth.json; the refreshed tokens stay in memory only", { path, error: describeIoError(error) });
      }
    },
  };
};
