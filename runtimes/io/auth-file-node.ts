// AuthFile over node:fs/promises (Node and Bun): read, change marker, atomic replace, in-place write and the lock
// file beside auth.json (spec §2.1, §3.4 "Concurrency", §3.5 step 5; the lock algorithm is lock-file.ts).
import { randomUUID } from "node:crypto";
import { readFileSync, unlinkSync } from "node:fs";
import { lstat, open, readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { notRegularFile } from "../../src/auth/auth-errors.ts";
import type { AuthFile } from "../../src/auth/types.ts";
import { acquireLock, type LockFs, type LockTiming } from "./lock-file.ts";

export type { LockTiming } from "./lock-file.ts";

const hasCode = (error: unknown, code: string): boolean => (error as { code?: unknown } | null)?.code === code;
const orNull = async <T>(promise: Promise<T>): Promise<T | null> => {
  try {
    return await promise;
  } catch (error) {
    if (hasCode(error, "ENOENT")) return null;
    throw error;
  }
};

/** The lock's file operations on node:fs; one object, so one exit hook for the process. */
const nodeLockFs: LockFs = {
  createExclusive: (path, content) => writeFile(path, content, { flag: "wx", mode: 0o600 }),
  lstatMtime: async (path) => (await orNull(lstat(path)))?.mtimeMs ?? null,
  readText: (path) => orNull(readFile(path, "utf8")),
  remove: async (path) => void (await orNull(unlink(path))),
  isExists: (error) => hasCode(error, "EEXIST"),
  readTextSync: (path) => readFileSync(path, "utf8"),
  removeSync: (path) => unlinkSync(path),
  onExit: (callback) => void process.on("exit", callback),
  pid: process.pid,
};

/** auth.json at `path` through node:fs; the lock is `<path>.lock`, created exclusively. */
export const createNodeAuthFile = (path: string, timing: LockTiming = {}): AuthFile => {
  const lockPath = `${path}.lock`;
  return {
    path,
    async read() {
      // A FIFO or device would block the read for good (red team D16): anything but a file is refused, said by name.
      const info = await orNull(stat(path));
      if (info === null) return null;
      if (!info.isFile() && !info.isDirectory()) throw notRegularFile(path);
      return orNull(readFile(path, "utf8"));
    },
    async version() {
      const info = await orNull(stat(path));
      // The inode catches a rename-over even when mtime and size happen to match.
      return info === null ? null : `${info.mtimeMs}:${info.size}:${info.ino}`;
    },
    async writeAtomic(text) {
      const mode = ((await orNull(stat(path)))?.mode ?? 0o600) & 0o777;
      const temp = join(dirname(path), `.${basename(path)}.${randomUUID()}.tmp`);
      const handle = await open(temp, "wx", mode);
      try {
        await handle.chmod(mode); // open() applies the umask; the copy must keep the original mode
        await handle.writeFile(text, "utf8");
        await handle.sync();
        await handle.close();
        await rename(temp, path);
      } catch (error) {
        await handle.close().catch(() => undefined); // already closed when the rename failed
        await unlink(temp).catch(() => undefined);
        throw error;
      }
    },
    async writeInPlace(text) {
      // Written over the old bytes, then cut to length: never empty at any moment, and when the new text is not
      // longer, no new blocks are needed (ENOSPC). Not atomic: a reader may see a torn file, as with the CLI.
      const handle = await open(path, "r+");
      try {
        const bytes = new TextEncoder().encode(text);
        for (let offset = 0; offset < bytes.length; ) offset += (await handle.write(bytes, offset, bytes.length - offset, offset)).bytesWritten;
        await handle.truncate(bytes.length);
        await handle.sync();
      } finally {
        await handle.close();
      }
    },
    lock: () => acquireLock(nodeLockFs, lockPath, timing),
  };
};
