// `godex-proxy logout`: removes auth.json, as `codex logout` does (codex-rs/login/src/auth/storage.rs
// `delete_file_if_exists`; REPORTED), under the same lock as refresh and login, after a y/N question or --yes.
import { existingLogin } from "../login/save-login.ts";
import { describeCause } from "../login/login-error.ts";
import type { CliHost } from "./host.ts";

export const logoutCommand = async (host: CliHost, values: Record<string, string | boolean | number | undefined>): Promise<never> => {
  const path = values["auth-path"] as string;
  const file = host.authFile(path);
  const fail = (message: string): never => {
    host.stderr(`godex-proxy logout: ${message}`);
    return host.exit(1);
  };
  let exists: boolean;
  try {
    exists = (await file.read()) !== null;
  } catch (error) {
    return fail(`cannot read ${path} (${describeCause(error)}): check its permissions or pass --auth-path`);
  }
  if (!exists) {
    host.stdout(`Not logged in: ${path} does not exist.`);
    return host.exit(0);
  }
  if (values.yes !== true) {
    if (!host.cli.isTerminal()) return fail("no terminal to confirm on: pass --yes to remove the login");
    const who = (await existingLogin({ file, makeParentDir: async () => {}, now: host.now })) ?? "no usable login";
    const answer = await host.cli.ask(`Remove ${path} (${who})? The Codex CLI uses this file too. [y/N] `);
    if (!/^\s*y(es)?\s*$/i.test(answer ?? "")) {
      host.stdout("Nothing removed.");
      return host.exit(0);
    }
  }
  let release: () => Promise<void>;
  try {
    release = await file.lock();
  } catch (error) {
    return fail(`cannot lock ${path} (${describeCause(error)}): stop the proxy that is refreshing, then try again`);
  }
  try {
    await host.cli.removeFile(path);
  } catch (error) {
    return fail(`cannot remove ${path} (${describeCause(error)}): check the folder's permissions`);
  } finally {
    await release().catch(() => undefined);
  }
  host.stdout(`Logged out: removed ${path}.`);
  return host.exit(0);
};
