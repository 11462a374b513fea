// `godex-proxy status`: does refresh work? One real refresh grant under the auth.json lock, and on success the
// new tokens written back as the proxy's own refresh does it (src/auth: requestTokenRefresh, the JSON patch of
// spec §3.5, atomic replace, in place as the fallback), so the rotated refresh token is not lost.
import { patchAuthFile } from "../auth/patch-auth-file.ts";
import { requestTokenRefresh } from "../auth/refresh-token.ts";
import { resolveCredentials } from "../auth/resolve-credentials.ts";
import type { AuthFile } from "../auth/types.ts";
import { readJwtExpiry } from "../auth/jwt.ts";
import { describeCause } from "./login-error.ts";

export type RefreshCheck =
  | { kind: "ok"; expiresAt?: number }
  | { kind: "no-refresh-token" }
  /** `reason` is safe to print; `terminal` means only a new login helps. */
  | { kind: "failed"; reason: string; terminal: boolean };

export const checkRefresh = async (o: {
  file: AuthFile;
  fetch: typeof fetch;
  tokenUrl: string;
  clientId: string;
  now: () => number;
}): Promise<RefreshCheck> => {
  let release: () => Promise<void>;
  try {
    release = await o.file.lock();
  } catch (error) {
    return { kind: "failed", reason: `cannot lock ${o.file.path} (${describeCause(error)})`, terminal: false };
  }
  try {
    const text = await o.file.read();
    const auth = resolveCredentials(text, o.file.path);
    if (!auth.ok || text === null) return { kind: "failed", reason: auth.ok ? "auth.json vanished" : auth.code, terminal: true };
    if (auth.refreshToken === undefined) return { kind: "no-refresh-token" };
    const outcome = await requestTokenRefresh({ fetch: o.fetch, tokenUrl: o.tokenUrl, clientId: o.clientId, refreshToken: auth.refreshToken });
    if (outcome.kind === "terminal") return { kind: "failed", reason: `${outcome.code} (HTTP ${outcome.status})`, terminal: true };
    if (outcome.kind === "transient") return { kind: "failed", reason: outcome.reason, terminal: false };
    const patched = patchAuthFile(text, outcome.tokens, o.now());
    // The old refresh token is spent now: like the store, fall back to an in-place write rather than lose the new one.
    try {
      await o.file.writeAtomic(patched);
    } catch {
      try {
        await o.file.writeInPlace(patched);
      } catch (error) {
        return {
          kind: "failed",
          reason: `the refresh worked but ${o.file.path} could not be rewritten (${describeCause(error)}), so the new tokens are lost`,
          terminal: true,
        };
      }
    }
    const expiresAt = outcome.tokens.accessToken ? readJwtExpiry(outcome.tokens.accessToken) : undefined;
    return expiresAt === undefined ? { kind: "ok" } : { kind: "ok", expiresAt };
  } catch (error) {
    return { kind: "failed", reason: `cannot rewrite ${o.file.path} (${describeCause(error)})`, terminal: false };
  } finally {
    await release().catch(() => undefined);
  }
};
