// `godex-proxy demo`'s backend: the test emulator of the Codex backend on a loopback port, and a throwaway
// auth.json (in the Codex CLI's format) holding tokens it minted; both go away when the process exits.
// node:fs/os/process work on Node, Bun and Deno alike; the build bundles the emulator and its fixtures into dist/.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import type { DemoBackend } from "../../src/cli/host.ts";
import { buildLoginAuthJson } from "../../src/login/auth-json.ts";
import { createEmulator } from "../../test/emulator/index.ts";
import { serveEmulator } from "../../test/support/serve-emulator.ts";

export const startDemoBackend = async (): Promise<DemoBackend> => {
  const emulator = createEmulator();
  const served = await serveEmulator(emulator);
  const dir = mkdtempSync(join(tmpdir(), "godex-demo-"));
  const authPath = join(dir, "auth.json");
  const tokens = emulator.mintTokens({ expiresInSeconds: 30 * 24 * 3600 });
  writeFileSync(authPath, buildLoginAuthJson(tokens, Date.now()), { mode: 0o600 });
  const remove = () => rmSync(dir, { recursive: true, force: true });
  process.on("exit", remove);
  return {
    baseUrl: served.baseUrl,
    authPath,
    async close() {
      await served.close();
      remove();
    },
  };
};
