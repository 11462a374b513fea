// Writing auth.json and holding its lock file (spec §3.4 "Concurrency", §3.5): atomically, else in place as the
// Codex CLI does; the lock around a read-modify-write, released whatever happens.
import type { Logger } from "../log.ts";
import { describeIoError } from "./auth-errors.ts";
import type { AuthFile } from "./types.ts";

export interface AuthFileWriter {
  /**
   * Writes auth.json: atomically, else in place (what the CLI does) when the temp file or the rename fails (a
   * single-file bind mount's EBUSY, a sticky folder's EPERM, ENOSPC). Throws the in-place write's error.
   */
  writeBack(text: string): Promise<void>;
  /** The version after our own write (null: unknown, so the next check re-reads the file). */
  versionAfterWrite(): Promise<string | null>;
  /**
   * Holds the lock file around `fn`. When the lock cannot be had, throws `onLockFailure`'s error if given (told the
   * runtime's reason and, for a held lock, when its lease ends), else the lock's own error.
   */
  withLock<T>(fn: () => Promise<T>, onLockFailure?: (reason: string, leaseEndsInMs: number | undefined) => Error): Promise<T>;
}

export const createAuthFileWriter = (file: AuthFile, logger: Logger): AuthFileWriter => {
  const path = file.path;
  return {
    async writeBack(text) {
      try {
        await file.writeAtomic(text);
      } catch (atomicError) {
        await file.writeInPlace(text);
        logger.warn("could not replace auth.json atomically; wrote it in place", { path, error: describeIoError(atomicError) });
      }
    },

    versionAfterWrite: () => file.version().catch(() => null),

    async withLock(fn, onLockFailure) {
      let release: () => Promise<void>;
      try {
        release = await file.lock();
      } catch (error) {
        // The runtimes' lock errors name the lock path and the cause, never file content.
        const reason = error instanceof Error ? error.message : describeIoError(error);
        if (onLockFailure === undefined) throw error;
        // A held lock says when its lease ends: a stale leftover never blocks the token refresh longer than that.
        const leaseEndsIn = (error as { retryInMs?: unknown } | null)?.retryInMs;
        throw onLockFailure(reason, typeof leaseEndsIn === "number" ? leaseEndsIn : undefined);
      }
      try {
        return await fn();
      } finally {
        await release().catch((error: unknown) => logger.warn("could not release the auth.json lock", { path, error: describeIoError(error) }));
      }
    },
  };
};
