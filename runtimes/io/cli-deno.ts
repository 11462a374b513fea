// What the subcommands need from Deno, through Deno's own APIs (like auth-file-deno.ts): folders, removing
// auth.json, a browser (needs --allow-run; without it the URL is printed only), the terminal, and `demo`.
import type { CliIo } from "../../src/cli/host.ts";

declare const Deno: {
  mkdir(path: string, options: { recursive: boolean; mode: number }): Promise<void>;
  remove(path: string): Promise<void>;
  env: { get(name: string): string | undefined };
  build: { os: string };
  stdin: { isTerminal(): boolean };
  errors: { NotFound: new () => Error };
  Command: new (command: string, options: { args: string[]; stdin: "null"; stdout: "null"; stderr: "null" }) => { spawn(): { unref?(): void } };
};
declare function prompt(message?: string): string | null;

const opener = (url: string): [string, string[]] | undefined => {
  const browser = Deno.env.get("BROWSER");
  if (browser) return browser === "none" ? undefined : [browser, [url]];
  if (Deno.build.os === "darwin") return ["open", [url]];
  if (Deno.build.os === "windows") return ["rundll32", ["url.dll,FileProtocolHandler", url]];
  return ["xdg-open", [url]];
};

export const denoCliIo: CliIo = {
  makeDir: (path) => Deno.mkdir(path, { recursive: true, mode: 0o700 }),
  async removeFile(path) {
    try {
      await Deno.remove(path);
      return true;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return false;
      throw error;
    }
  },
  async openBrowser(url) {
    const command = opener(url);
    if (!command) return false;
    try {
      new Deno.Command(command[0], { args: command[1], stdin: "null", stdout: "null", stderr: "null" }).spawn().unref?.();
      return true;
    } catch {
      return false; // not installed, or no --allow-run
    }
  },
  hasBrowser() {
    const env = (name: string) => Deno.env.get(name);
    if (env("BROWSER")) return env("BROWSER") !== "none";
    if (env("SSH_CONNECTION") || env("SSH_TTY")) return false;
    if (Deno.build.os === "darwin" || Deno.build.os === "windows") return true;
    return Boolean(env("DISPLAY") || env("WAYLAND_DISPLAY"));
  },
  isTerminal: () => Deno.stdin.isTerminal(),
  ask: async (question) => prompt(question.trimEnd()),
  startDemoBackend: async () => (await import("./demo-backend.ts")).startDemoBackend(),
};
