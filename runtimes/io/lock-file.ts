// The lock file beside auth.json (`<path>.lock`, spec §3.4 "Concurrency"), one algorithm for every runtime over a
// minimal file-system interface (auth-file-node.ts, auth-file-deno.ts). Limits: docs/credentials.md.

/** What the lock needs from a runtime's file system. Errors are the runtime's own; `isExists`/`isNotFound` classify them. */
export interface LockFs {
  /** Creates `path` with `content` and mode 0600; fails (isExists) when anything exists there, a symlink included. */
  createExclusive(path: string, content: string): Promise<void>;
  /** The entry's own mtime in epoch ms, never following a symlink (lstat); null when nothing is there. */
  lstatMtime(path: string): Promise<number | null>;
  /** The file's text; null when missing. */
  readText(path: string): Promise<string | null>;
  /** Removes a file or symlink, never a folder (that fails); a missing entry is no error. */
  remove(path: string): Promise<void>;
  isExists(error: unknown): boolean;
  /** For the exit path: synchronous read and remove, and the hook that runs them. */
  readTextSync(path: string): string;
  removeSync(path: string): void;
  onExit(callback: () => void): void;
  pid: number;
}

/** How long `lock()` waits for another holder, the lease after which a leftover lock counts as abandoned, the first poll. */
export interface LockTiming {
  waitMs?: number;
  staleMs?: number;
  pollMs?: number;
}

export const LOCK_WAIT_MS = 10_000;
/** The lease: a lock whose mtime is older is a crashed holder's leftover (a refresh holds it ≤ 20 s + the write). */
export const LOCK_LEASE_MS = 30_000;
const FIRST_POLL_MS = 25;
const MAX_POLL_MS = 250;

/**
 * `lock()` failed: another holder, or a leftover that cannot be removed. `retryInMs` (held only): when the lease
 * of that lock ends, so a back-off need not wait longer.
 */
export interface LockError extends Error {
  code: "ELOCKED";
  retryInMs?: number;
}

const lockError = (message: string, retryInMs?: number): LockError =>
  Object.assign(new Error(message), { code: "ELOCKED" as const }, retryInMs === undefined ? {} : { retryInMs: Math.max(1_000, Math.ceil(retryInMs)) });

const codeOf = (error: unknown): string => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : error instanceof Error ? error.name : "I/O error";
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Locks this process holds, per file system (path → owner line): removed on exit, however it comes (D2). */
const held = new WeakMap<LockFs, Map<string, string>>();
const holdings = (fs: LockFs): Map<string, string> => {
  let map = held.get(fs);
  if (map === undefined) {
    const created = new Map<string, string>();
    map = created;
    held.set(fs, created);
    fs.onExit(() => {
      for (const [path, owner] of created) {
        try {
          if (fs.readTextSync(path) === owner) fs.removeSync(path);
        } catch {
          // gone already, or not ours to remove
        }
      }
    });
  }
  return map;
};

/**
 * Takes `lockPath` exclusively and resolves to its release. Every turn of the wait sleeps (25 ms doubling to
 * 250 ms) and checks the deadline (red-team D6); a lock older than the lease is removed and taken over, and one
 * that cannot be removed (a folder, another user's file in a sticky folder) counts as held.
 */
export const acquireLock = async (fs: LockFs, lockPath: string, timing: LockTiming = {}): Promise<() => Promise<void>> => {
  const { waitMs = LOCK_WAIT_MS, staleMs = LOCK_LEASE_MS, pollMs = FIRST_POLL_MS } = timing;
  const owner = `${fs.pid} ${crypto.randomUUID()}\n`;
  const deadline = Date.now() + waitMs;
  let delay = pollMs;
  let stuck: string | undefined;
  let leaseEndsIn = staleMs;
  for (;;) {
    try {
      await fs.createExclusive(lockPath, owner);
      break;
    } catch (error) {
      if (!fs.isExists(error)) throw error;
    }
    let removed = false;
    stuck = undefined;
    try {
      const mtime = await fs.lstatMtime(lockPath);
      const age = mtime === null ? 0 : Date.now() - mtime;
      leaseEndsIn = staleMs - age;
      if (mtime !== null && age > staleMs) {
        try {
          await fs.remove(lockPath); // a crashed holder's leftover
          removed = true;
        } catch (error) {
          stuck = codeOf(error);
        }
      }
    } catch (error) {
      stuck = codeOf(error); // cannot even look at it: treat as held
    }
    if (Date.now() >= deadline) {
      throw stuck === undefined
        ? lockError(`${lockPath} is held by another process`, leaseEndsIn)
        : lockError(`${lockPath} is left over and cannot be removed (${stuck}): remove it by hand`);
    }
    if (!removed) {
      await sleep(Math.min(delay, Math.max(0, deadline - Date.now())));
      delay = Math.min(delay * 2, MAX_POLL_MS);
    }
  }
  const mine = holdings(fs);
  mine.set(lockPath, owner);
  return async () => {
    mine.delete(lockPath);
    // Remove only our own lock: a holder judged stale may find its lock replaced by someone else's.
    if ((await fs.readText(lockPath).catch(() => null)) === owner) await fs.remove(lockPath);
  };
};
