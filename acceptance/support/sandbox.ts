// Per-test sandboxes for the CLI clients (clients.md §6 steps 3–4): a temp root with home/, work/ and tmp/, a
// marker file for the tool scenarios, and an environment built from an allowlist rather than copied from ours.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { onAbruptExit } from "./processes.ts";

export interface Sandbox {
  root: string;
  home: string;
  work: string;
  tmp: string;
  /** The unique text of work/hello.txt. */
  marker: string;
  /** PATH, HOME, TMPDIR, PWD, XDG_*, NO_COLOR, plus `extra`; `pathFirst` goes before the inherited PATH. */
  env(extra?: Record<string, string>, pathFirst?: string): Record<string, string>;
  remove(): void;
}

/** Creates a sandbox under the system temp dir; `remove()` deletes all of it. */
export const createSandbox = (client: string): Sandbox => {
  const root = mkdtempSync(join(tmpdir(), `godex-acceptance-${client}-`));
  const home = join(root, "home");
  const work = join(root, "work");
  const tmp = join(root, "tmp");
  for (const dir of [home, work, tmp]) mkdirSync(dir, { recursive: true });
  const marker = `marker-${client}-${randomBytes(6).toString("hex")}`;
  writeFileSync(join(work, "hello.txt"), `${marker}\n`);
  const guard = onAbruptExit(() => rmSync(root, { recursive: true, force: true }));
  return {
    root,
    home,
    work,
    tmp,
    marker,
    env(extra = {}, pathFirst) {
      // Our own node's dir keeps `#!/usr/bin/env node` launchers working; the inherited PATH gives bash and cat.
      const path = [pathFirst, dirname(process.execPath), process.env.PATH ?? "/usr/bin:/bin"].filter(Boolean).join(":");
      return {
        PATH: path,
        HOME: home,
        TMPDIR: tmp,
        PWD: work,
        XDG_CONFIG_HOME: join(home, ".config"),
        XDG_DATA_HOME: join(home, ".local/share"),
        XDG_CACHE_HOME: join(home, ".cache"),
        XDG_STATE_HOME: join(home, ".local/state"),
        NO_COLOR: "1",
        LANG: "C.UTF-8",
        ...extra,
      };
    },
    remove() {
      guard.release();
      rmSync(root, { recursive: true, force: true });
    },
  };
};

/** Fails with the install command when a CLI's entry point is missing (never a silent skip). */
export const requireBinary = (path: string, what: string): void => {
  if (!existsSync(path)) throw new Error(`${what} is not installed (${path} missing): run \`bash acceptance/install-clients.sh\``);
};

/** Removes the fixed-name dirs the CLIs leave in the system temp root (clients.md §1, last column). */
export const removeStrayTempDirs = (names: string[]): void => {
  // They ignore TMPDIR, so this is /tmp itself, not os.tmpdir().
  for (const name of names) rmSync(join("/tmp", name), { recursive: true, force: true });
};

/** Parses JSONL output, skipping lines that are not JSON objects. */
export const parseJsonLines = (text: string): Array<Record<string, any>> =>
  text.split("\n").flatMap((line) => {
    const trimmed = line.trim();
    if (!trimmed.startsWith("{")) return [];
    try {
      return [JSON.parse(trimmed) as Record<string, any>];
    } catch {
      return [];
    }
  });
