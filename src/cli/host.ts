// What the subcommands need from a runtime on top of the proxy's Host (runtimes/io/cli-*.ts provide it).
import type { Host } from "../start.ts";

/** The bundled backend emulator, started for `godex-proxy demo`. */
export interface DemoBackend {
  /** The emulator's Codex base URL, for --base-url. */
  baseUrl: string;
  /** A throwaway auth.json holding tokens the emulator accepts. */
  authPath: string;
  close(): Promise<void>;
}

export interface CliIo {
  /** mkdir -p with mode 0700 (a first login may come before any ~/.codex exists). */
  makeDir(path: string): Promise<void>;
  /** Removes a file; false when it was not there. */
  removeFile(path: string): Promise<boolean>;
  /** Opens `url` in the user's browser; false when there is none or it failed. */
  openBrowser(url: string): Promise<boolean>;
  /** Whether a browser can open on this machine (a desktop session, not SSH). */
  hasBrowser(): boolean;
  /** stdin is a terminal: a question can be asked. */
  isTerminal(): boolean;
  /** Asks on the terminal and resolves with the answer line (null at end of input). */
  ask(question: string): Promise<string | null>;
  /** Starts the bundled emulator; absent where the entry has none. */
  startDemoBackend?(): Promise<DemoBackend>;
}

export interface CliHost extends Host {
  cli: CliIo;
}

/** The folder of a file path (either separator). */
export const folderOf = (path: string): string => {
  const slash = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return slash <= 0 ? (slash === 0 ? path.slice(0, 1) : ".") : path.slice(0, slash);
};

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** OAuth client id of the Codex CLI (spec §3.1). */
export const CODEX_CLIENT_ID = "app_EMoamEEZ73f0CkXaXp7hrann";
