// AuthFile over Deno's own file APIs: the same contract as auth-file-node.ts (spec §2.1, §3.4, §3.5 step 5).
import type { AuthFile } from "../../src/auth/types.ts";

interface DenoFile {
  write(data: Uint8Array): Promise<number>;
  truncate(length?: number): Promise<void>;
  sync(): Promise<void>;
  close(): void;
}
declare const Deno: {
  readTextFile(path: string): Promise<string>;
  readTextFileSync(path: string): string;
  removeSync(path: string): void;
  writeTextFile(path: string, data: string, options?: { createNew?: boolean; mode?: number }): Promise<void>;
  stat(path: string): Promise<{ mtime: Date | null; size: number; ino: number | null; mode: number | null }>;
  open(path: string, options: { read?: boolean; write?: boolean; createNew?: boolean; mode?: number }): Promise<DenoFile>;
  chmod(path: string, mode: number): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
  pid: number;
  build: { os: string };
  errors: { NotFound: new () => Error; AlreadyExists: new () => Error };
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Lock files this process holds (path → owner line): removed on exit, Deno.exit() included (D2). */
const held = new Map<string, string>();
let exitHook = false;
const holdUntilExit = (lockPath: string, owner: string): void => {
  held.set(lockPath, owner);
  if (exitHook) return;
  exitHook = true;
  globalThis.addEventListener("unload", () => {
    for (const [path, content] of held) {
      try {
        if (Deno.readTextFileSync(path) === content) Deno.removeSync(path);
      } catch {
        // gone already, or not ours to remove
      }
    }
  });
};
const notFound = (error: unknown): boolean => error instanceof Deno.errors.NotFound;
const orNull = <T>(promise: Promise<T>): Promise<T | null> =>
  promise.catch((error: unknown) => {
    if (notFound(error)) return null;
    throw error;
  });

/** auth.json at `path` through Deno.*; the lock is `<path>.lock`, created exclusively. */
export const createDenoAuthFile = (path: string, timing: { waitMs?: number; staleMs?: number; pollMs?: number } = {}): AuthFile => {
  const lockPath = `${path}.lock`;
  const { waitMs = 10_000, staleMs = 30_000, pollMs = 25 } = timing;
  const posix = Deno.build.os !== "windows"; // Deno has no chmod on Windows
  return {
    path,
    read: () => orNull(Deno.readTextFile(path)),
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
    async lock() {
      const owner = `${Deno.pid} ${crypto.randomUUID()}\n`;
      const deadline = Date.now() + waitMs;
      for (;;) {
        try {
          await Deno.writeTextFile(lockPath, owner, { createNew: true, mode: 0o600 });
          break;
        } catch (error) {
          if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
        }
        const held = await Deno.stat(lockPath).catch(() => null);
        if (held === null) continue; // released between our attempts
        if (Date.now() - (held.mtime?.getTime() ?? Date.now()) > staleMs) {
          await Deno.remove(lockPath).catch(() => undefined); // a crashed holder's leftover
          continue;
        }
        if (Date.now() >= deadline) throw Object.assign(new Error(`${lockPath} is held by another process`), { code: "ELOCKED" });
        await sleep(pollMs);
      }
      holdUntilExit(lockPath, owner);
      return async () => {
        held.delete(lockPath);
        // Remove only our own lock: a holder judged stale may find its lock replaced by someone else's.
        const content = await Deno.readTextFile(lockPath).catch(() => null);
        if (content === owner) await orNull(Deno.remove(lockPath));
      };
    },
  };
};
