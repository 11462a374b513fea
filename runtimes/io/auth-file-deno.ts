// AuthFile over Deno's own file APIs: the same contract as auth-file-node.ts (spec §2.1, §3.4, §3.5 step 5; the
// lock algorithm is lock-file.ts).
import { notRegularFile } from "../../src/auth/auth-errors.ts";
import type { AuthFile } from "../../src/auth/types.ts";
import { acquireLock, type LockFs, type LockTiming } from "./lock-file.ts";

interface DenoFile {
  write(data: Uint8Array): Promise<number>;
  truncate(length?: number): Promise<void>;
  sync(): Promise<void>;
  close(): void;
}
interface DenoInfo {
  mtime: Date | null;
  size: number;
  ino: number | null;
  mode: number | null;
  isDirectory: boolean;
  isFile: boolean;
}
declare const Deno: {
  readTextFile(path: string): Promise<string>;
  readTextFileSync(path: string): string;
  removeSync(path: string): void;
  writeTextFile(path: string, data: string, options?: { createNew?: boolean; mode?: number }): Promise<void>;
  stat(path: string): Promise<DenoInfo>;
  lstat(path: string): Promise<DenoInfo>;
  open(path: string, options: { read?: boolean; write?: boolean; createNew?: boolean; mode?: number }): Promise<DenoFile>;
  chmod(path: string, mode: number): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
  pid: number;
  build: { os: string };
  errors: { NotFound: new () => Error; AlreadyExists: new () => Error };
};

const notFound = (error: unknown): boolean => error instanceof Deno.errors.NotFound;
const orNull = <T>(promise: Promise<T>): Promise<T | null> =>
  promise.catch((error: unknown) => {
    if (notFound(error)) return null;
    throw error;
  });

/** The lock's file operations on Deno.*; one object, so one exit hook for the process (Deno.exit() runs "unload"). */
let lockFs: LockFs | undefined;
const denoLockFs = (): LockFs =>
  (lockFs ??= {
    createExclusive: (path, content) => Deno.writeTextFile(path, content, { createNew: true, mode: 0o600 }),
    lstatMtime: async (path) => {
      const info = await orNull(Deno.lstat(path));
      return info === null ? null : (info.mtime?.getTime() ?? Date.now());
    },
    readText: (path) => orNull(Deno.readTextFile(path)),
    async remove(path) {
      // Deno.remove also removes an empty folder; node's unlink never does: the same rule on every runtime.
      if ((await orNull(Deno.lstat(path)))?.isDirectory) throw Object.assign(new Error(`${path} is a directory`), { code: "EISDIR" });
      await orNull(Deno.remove(path));
    },
    isExists: (error) => error instanceof Deno.errors.AlreadyExists,
    readTextSync: (path) => Deno.readTextFileSync(path),
    removeSync: (path) => Deno.removeSync(path),
    onExit: (callback) => globalThis.addEventListener("unload", callback),
    pid: Deno.pid,
  });

/** auth.json at `path` through Deno.*; the lock is `<path>.lock`, created exclusively. */
export const createDenoAuthFile = (path: string, timing: LockTiming = {}): AuthFile => {
  const lockPath = `${path}.lock`;
  const posix = Deno.build.os !== "windows"; // Deno has no chmod on Windows
  return {
    path,
    async read() {
      // A FIFO or device would block the read for good (red team D16): anything but a file is refused, said by name.
      const info = await orNull(Deno.stat(path));
      if (info === null) return null;
      if (!info.isFile && !info.isDirectory) throw notRegularFile(path);
      return orNull(Deno.readTextFile(path));
    },
    async version() {
      const info = await orNull(Deno.stat(path));
      return info === null ? null : `${info.mtime?.getTime() ?? 0}:${info.size}:${info.ino ?? 0}`;
    },
    async writeAtomic(text) {
      const mode = ((await orNull(Deno.stat(path)))?.mode ?? 0o600) & 0o777;
      const slash = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
      const temp = `${path.slice(0, slash + 1)}.${path.slice(slash + 1)}.${crypto.randomUUID()}.tmp`;
      const handle = await Deno.open(temp, { write: true, createNew: true, mode });
      let open = true;
      try {
        if (posix) await Deno.chmod(temp, mode); // the mode option is subject to the umask
        const bytes = new TextEncoder().encode(text);
        for (let offset = 0; offset < bytes.length; ) offset += await handle.write(bytes.subarray(offset));
        await handle.sync();
        handle.close();
        open = false;
        await Deno.rename(temp, path);
      } catch (error) {
        if (open) handle.close();
        await Deno.remove(temp).catch(() => undefined);
        throw error;
      }
    },
    async writeInPlace(text) {
      // Over the old bytes, then cut to length (see auth-file-node.ts): never empty, not atomic.
      const handle = await Deno.open(path, { read: true, write: true });
      try {
        const bytes = new TextEncoder().encode(text);
        for (let offset = 0; offset < bytes.length; ) offset += await handle.write(bytes.subarray(offset));
        await handle.truncate(bytes.length);
        await handle.sync();
      } finally {
        handle.close();
      }
    },
    lock: () => acquireLock(denoLockFs(), lockPath, timing),
  };
};
