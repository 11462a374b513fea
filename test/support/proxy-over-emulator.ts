// The setup most socket tests share: a fresh emulator on a loopback socket, a copy of the fixture auth.json in a
// temporary folder, and the proxy entry under test spawned against both. `close` undoes all three.
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEmulator, type Emulator, type EmulatorOptions } from "../emulator/index.ts";
import { serveEmulator, type ServedEmulator } from "./serve-emulator.ts";
import { spawnProxy, type SpawnedProxy } from "./spawn-proxy.ts";

export interface ProxyOverEmulator {
  dir: string;
  authPath: string;
  emulator: Emulator;
  served: ServedEmulator;
  proxy: SpawnedProxy;
  close(): Promise<void>;
}

/** Spawns the proxy with `--auth-path` and `--base-url` set, then `args` (the test's own flags, `--api-key` among them). */
export const startProxyOverEmulator = async (name: string, args: string[], emulatorOptions: EmulatorOptions = {}): Promise<ProxyOverEmulator> => {
  const dir = mkdtempSync(join(tmpdir(), `godex-${name}-`));
  const authPath = join(dir, "auth.json");
  copyFileSync("test/fixtures/codex/auth.json", authPath);
  const emulator = createEmulator(emulatorOptions);
  const served = await serveEmulator(emulator);
  let proxy: SpawnedProxy;
  try {
    proxy = await spawnProxy(["--auth-path", authPath, "--base-url", served.baseUrl, ...args]);
  } catch (error) {
    await served.close();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    dir,
    authPath,
    emulator,
    served,
    proxy,
    async close() {
      await proxy.stop("SIGKILL");
      await served.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};
