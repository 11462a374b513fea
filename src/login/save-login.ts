// Stores a login in auth.json through the same lock file and atomic replace as token refresh (src/auth,
// runtimes/io/auth-file-*.ts: temp file in the folder, 0600 when new, fsync, rename), so a failed or interrupted
// login never leaves a half-written file, and a valid login is replaced only with --force.
import { resolveCredentials } from "../auth/resolve-credentials.ts";
import type { AuthFile } from "../auth/types.ts";
import { buildLoginAuthJson, describeAccount } from "./auth-json.ts";
import type { LoginTokens } from "./exchange-code.ts";
import { LoginError, describeCause } from "./login-error.ts";

export interface LoginFile {
  file: AuthFile;
  /** Creates the folder of auth.json (mode 0700) when it is missing; the first login may come before any `codex`. */
  makeParentDir: () => Promise<void>;
  now: () => number;
}

/** The existing login worth keeping: usable tokens that are unexpired or refreshable. Undefined otherwise. */
export const existingLogin = async (io: LoginFile): Promise<string | undefined> => {
  let text: string | null;
  try {
    text = await io.file.read();
  } catch {
    return undefined; // unreadable: the write will say why
  }
  const auth = resolveCredentials(text, io.file.path);
  if (!auth.ok) return undefined;
  const usable = auth.refreshToken !== undefined || (auth.expiresAt ?? Infinity) > io.now();
  return usable ? describeAccount(auth) : undefined;
};

const refuse = (path: string, who: string): LoginError =>
  new LoginError(`${path} already holds a valid login (${who}): pass --force to replace it, or \`godex-proxy logout\` first`);

/** Refuses early, before the user goes through a sign-in that could not be stored. */
export const assertNoLogin = async (io: LoginFile, force: boolean): Promise<void> => {
  if (force) return;
  const who = await existingLogin(io);
  if (who !== undefined) throw refuse(io.file.path, who);
};

/** Writes the tokens under the lock; re-checks for a login that appeared meanwhile unless `force`. */
export const saveLogin = async (io: LoginFile, tokens: LoginTokens, force: boolean): Promise<void> => {
  const path = io.file.path;
  try {
    await io.makeParentDir();
  } catch (error) {
    throw new LoginError(`cannot create the folder for ${path} (${describeCause(error)}): create it yourself or pass --auth-path`);
  }
  let release: () => Promise<void>;
  try {
    release = await io.file.lock();
  } catch (error) {
    const held = describeCause(error) === "ELOCKED";
    throw new LoginError(
      held
        ? `${path}.lock is held by another process (a proxy refreshing?): wait a moment and log in again`
        : `cannot write beside ${path} (${describeCause(error)}): check the folder's permissions or pass --auth-path`,
    );
  }
  try {
    if (!force) {
      const who = await existingLogin(io);
      if (who !== undefined) throw refuse(path, who);
    }
    await io.file.writeAtomic(buildLoginAuthJson(tokens, io.now()));
  } catch (error) {
    if (error instanceof LoginError) throw error;
    throw new LoginError(`cannot write ${path} (${describeCause(error)}): check the folder's permissions or pass --auth-path`);
  } finally {
    await release().catch(() => undefined);
  }
};
