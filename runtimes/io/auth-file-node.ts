// AuthFile over node:fs/promises (Node and Bun): read, change marker, atomic replace and a lock file beside
// auth.json (spec §2.1, §3.4 "Concurrency", §3.5 step 5).
import { randomUUID } from "node:crypto";
import { readFileSync, unlinkSync } from "node:fs";
import { open, readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { AuthFile } from "../../src/auth/types.ts";

/** How long `lock()` waits for another holder, and when a leftover lock counts as abandoned. */
export interface LockTiming {
  waitMs?: number;
  staleMs?: number;
  pollMs?: number;
}

const hasCode = (error: unknown, code: string): boolean => (error as { code?: unknown } | null)?.code === code;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Lock files this process holds (path → owner line): removed on exit, however it comes (D2). */
const held = new Map<string, string>();
let exitHook = false;
const holdUntilExit = (lockPath: string, owner: string): void => {
  held.set(lockPath, owner);
  if (exitHook) return;
  exitHook = true;
  process.on("exit", () => {
    for (const [path, content] of held) {
      try {
        if (readFileSync(path, "utf8") === content) unlinkSync(path);
      } catch {
        // gone already, or not ours to remove
      }
    }
  });
};

/** auth.json at `path` through node:fs; the lock is `<path>.lock`, created exclusively. */
export const createNodeAuthFile = (path: string, timing: LockTiming = {}): AuthFile => {
  const lockPath = `${path}.lock`;
  const { waitMs = 10_000, staleMs = 30_000, pollMs = 25 } = timing;
  return {
    path,
    async read() {
      try {
        return await readFile(path, "utf8");
      } catch (error) {
        if (hasCode(error, "ENOENT")) return null;
        throw error;
      }
    },
    async version() {
      try {
        const info = await stat(path);
        // The inode catches a rename-over even when mtime and size happen to match.
        return `${info.mtimeMs}:${info.size}:${info.ino}`;
      } catch (error) {
        if (hasCode(error, "ENOENT")) return null;
        throw error;
      }
    },
    async writeAtomic(text) {
      let mode = 0o600;
      try {
        mode = (await stat(path)).mode & 0o777;
      } catch (error) {
        if (!hasCode(error, "ENOENT")) throw error;
      }
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
    async lock() {
      const owner = `${process.pid} ${randomUUID()}\n`;
      const deadline = Date.now() + waitMs;
      for (;;) {
        try {
          await writeFile(lockPath, owner, { flag: "wx", mode: 0o600 });
          break;
        } catch (error) {
          if (!hasCode(error, "EEXIST")) throw error;
        }
        const held = await stat(lockPath).catch(() => null);
        if (held === null) continue; // released between our attempts
        if (Date.now() - held.mtimeMs > staleMs) {
          await unlink(lockPath).catch(() => undefined); // a crashed holder's leftover
          continue;
        }
        if (Date.now() >= deadline) throw Object.assign(new Error(`${lockPath} is held by another process`), { code: "ELOCKED" });
        await sleep(pollMs);
      }
      holdUntilExit(lockPath, owner);
      return async () => {
        held.delete(lockPath);
        // Remove only our own lock: a holder judged stale may find its lock replaced by someone else's.
        const content = await readFile(lockPath, "utf8").catch(() => null);
        if (content === owner) await unlink(lockPath).catch((error: unknown) => { if (!hasCode(error, "ENOENT")) throw error; });
      };
    },
  };
};
