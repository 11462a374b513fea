// `godex-proxy status`: who is logged in (masked account id, plan), when the access token expires, whether a
// refresh works (one real refresh, written back; --offline skips it), and with --url the quota windows a running
// proxy saw (/v1/usage). Never prints a token or an email. Exit 1 when there is no usable login or a check fails.
import { resolveCredentials } from "../auth/resolve-credentials.ts";
import { checkRefresh } from "../login/check-refresh.ts";
import { describeAccount, relativeTime } from "../login/auth-json.ts";
import { describeCause } from "../login/login-error.ts";
import { CODEX_CLIENT_ID, type CliHost } from "./host.ts";

interface Window {
  used_percent?: number | null;
  window_minutes?: number | null;
  resets_at?: string | null;
}

const describeWindow = (name: string, w: Window | null | undefined): string =>
  w ? `${name} ${w.used_percent ?? "?"}% used of ${w.window_minutes ?? "?"} min${w.resets_at ? `, resets ${w.resets_at}` : ""}` : `${name} not seen yet`;

const row = (label: string, text: string): string => `${label.padEnd(13)} ${text}`;

export const statusCommand = async (host: CliHost, values: Record<string, string | boolean | number | undefined>): Promise<never> => {
  const path = values["auth-path"] as string;
  const file = host.authFile(path);
  let ok = true;
  host.stdout(row("auth.json", path));
  let text: string | null;
  try {
    text = await file.read();
  } catch (error) {
    host.stderr(`godex-proxy status: cannot read ${path} (${describeCause(error)}): check its permissions or pass --auth-path`);
    return host.exit(1);
  }
  const auth = resolveCredentials(text, path);
  if (!auth.ok) {
    host.stdout(row("login", "none"));
    host.stderr(`godex-proxy status: ${auth.message.replace("log in with the Codex CLI (`codex login`)", "run `godex-proxy login`")}`);
    return host.exit(1);
  }
  host.stdout(row("login", describeAccount(auth)));
  const now = host.now();
  if (auth.expiresAt !== undefined) {
    host.stdout(
      row("access token", `${auth.expiresAt > now ? "expires" : "EXPIRED"} ${new Date(auth.expiresAt).toISOString()} (${relativeTime(auth.expiresAt, now)})`),
    );
  } else host.stdout(row("access token", "expiry unreadable"));

  if (values.offline === true) host.stdout(row("refresh", `not checked (--offline); refresh token ${auth.refreshToken ? "present" : "missing"}`));
  else {
    const check = await checkRefresh({ file, fetch: host.fetch, tokenUrl: values["token-url"] as string, clientId: CODEX_CLIENT_ID, now: host.now });
    if (check.kind === "ok") {
      const until = check.expiresAt === undefined ? "" : `, new access token expires ${new Date(check.expiresAt).toISOString()}`;
      host.stdout(row("refresh", `works (tokens rotated and saved${until})`));
    } else if (check.kind === "no-refresh-token") {
      ok = false;
      host.stdout(row("refresh", "impossible: auth.json has no refresh token (run `godex-proxy login`)"));
    } else {
      ok = false;
      host.stdout(row("refresh", `FAILED: ${check.reason}${check.terminal ? " (run `godex-proxy login --force`)" : " (try again later)"}`));
    }
  }

  const url = values.url as string | undefined;
  if (url !== undefined) {
    const key = values["api-key"] as string | undefined;
    try {
      const response = await host.fetch(
        new Request(`${url}/v1/usage`, { headers: key ? { authorization: `Bearer ${key}` } : {}, signal: AbortSignal.timeout(10_000) }),
      );
      if (!response.ok) throw Object.assign(new Error(`HTTP ${response.status}`), { code: `HTTP_${response.status}` });
      const usage = (await response.json()) as {
        plan_type?: string | null;
        windows?: { primary?: Window | null; secondary?: Window | null };
        limit?: { message?: string; until?: string | null } | null;
      };
      host.stdout(
        row(
          "quota",
          `${describeWindow("primary", usage.windows?.primary)}; ${describeWindow("secondary", usage.windows?.secondary)}${usage.plan_type ? ` (plan ${usage.plan_type})` : ""}`,
        ),
      );
      if (usage.limit) host.stdout(row("limit", `reached${usage.limit.until ? ` until ${usage.limit.until}` : ""}`));
    } catch (error) {
      ok = false;
      const hint = /HTTP_401/.test(describeCause(error)) ? "pass the proxy's key with --api-key" : "is the proxy running there?";
      host.stdout(row("quota", `unavailable from ${url}/v1/usage (${describeCause(error)}): ${hint}`));
    }
  }
  return host.exit(ok ? 0 : 1);
};
