// What the subcommands (login, logout, status, demo) need from Node and Bun: folders, removing auth.json, a
// browser, the terminal, and the bundled emulator for `demo` (loaded only when asked for).
import { spawn } from "node:child_process";
import { mkdir, unlink } from "node:fs/promises";
import { createInterface } from "node:readline/promises";
import type { CliIo } from "../../src/cli/host.ts";

/** The command that opens a URL: $BROWSER, else the platform's opener. */
const opener = (url: string): [string, string[]] | undefined => {
  const browser = process.env.BROWSER;
  if (browser) return browser === "none" ? undefined : [browser, [url]];
  if (process.platform === "darwin") return ["open", [url]];
  if (process.platform === "win32") return ["rundll32", ["url.dll,FileProtocolHandler", url]]; // no cmd.exe: & in the URL stays intact
  return ["xdg-open", [url]];
};

export const hasDesktopBrowser = (env: NodeJS.ProcessEnv, platform: string): boolean => {
  if (env.BROWSER) return env.BROWSER !== "none";
  if (env.SSH_CONNECTION || env.SSH_TTY) return false; // a browser there would open on the wrong machine
  if (platform === "darwin" || platform === "win32") return true;
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
};

export const nodeCliIo: CliIo = {
  makeDir: async (path) => void (await mkdir(path, { recursive: true, mode: 0o700 })),
  async removeFile(path) {
    try {
      await unlink(path);
      return true;
    } catch (error) {
      if ((error as { code?: unknown }).code === "ENOENT") return false;
      throw error;
    }
  },
  openBrowser: (url) =>
    new Promise((resolve) => {
      const command = opener(url);
      if (!command) return resolve(false);
      const child = spawn(command[0], command[1], { stdio: "ignore", detached: true });
      child.once("error", () => resolve(false));
      child.once("spawn", () => {
        child.unref();
        resolve(true);
      });
    }),
  hasBrowser: () => hasDesktopBrowser(process.env, process.platform),
  isTerminal: () => process.stdin.isTTY === true,
  async ask(question) {
    const terminal = createInterface({ input: process.stdin, output: process.stdout });
    try {
      return await terminal.question(question);
    } catch {
      return null;
    } finally {
      terminal.close();
    }
  },
  startDemoBackend: async () => (await import("./demo-backend.ts")).startDemoBackend(),
};
