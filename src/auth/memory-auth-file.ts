// AuthFile kept in memory, for runtimes without a filesystem (workerd, issue #11): reads start from the secret's
// text, a refresh's write-back replaces it for the life of the isolate, and the lock is an in-isolate mutex.
import type { AuthFile } from "./types.ts";

/**
 * An AuthFile over a string. `text` is the auth.json content (undefined or blank: no file); `path` only labels it
 * in messages and /health. Writes never leave this object: a new isolate starts again from `text`.
 */
export const createMemoryAuthFile = (options: { path: string; text: string | undefined }): AuthFile => {
  let text = options.text === undefined || options.text.trim() === "" ? null : options.text;
  let version = 0;
  /** The tail of the lock queue: each holder's turn starts when the previous holder releases. */
  let queue: Promise<void> = Promise.resolve();
  return {
    path: options.path,
    read: async () => text,
    version: async () => (text === null ? null : `memory:${version}`),
    writeAtomic: async (next) => {
      text = next;
      version += 1;
    },
    writeInPlace: async (next) => {
      text = next;
      version += 1;
    },
    lock: () => {
      let release!: () => void;
      const turn = new Promise<void>((resolve) => {
        release = resolve;
      });
      const acquired = queue.then(() => async () => release());
      queue = queue.then(() => turn);
      return acquired;
    },
  };
};
