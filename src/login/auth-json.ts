// auth.json as the Codex CLI writes it after a login (codex-rs/login/src/auth/storage.rs `AuthDotJson`,
// server.rs `persist_tokens_to_store_async`; REPORTED; same shape as fixtures/codex/auth.json): keys in the
// CLI's order, `OPENAI_API_KEY: null`, `id_token` a string, `account_id` from the id_token claim (else null),
// `last_refresh` now; 2-space pretty printing without a trailing newline (serde_json::to_string_pretty).
import { isObject } from "../json.ts";
import { decodeJwtPayload, readJwtAccountId, readJwtExpiry } from "../auth/jwt.ts";
import type { LoginTokens } from "./exchange-code.ts";

export const buildLoginAuthJson = (tokens: LoginTokens, nowMs: number): string =>
  JSON.stringify(
    {
      auth_mode: "chatgpt",
      OPENAI_API_KEY: null,
      tokens: {
        id_token: tokens.idToken,
        access_token: tokens.accessToken,
        refresh_token: tokens.refreshToken,
        account_id: readJwtAccountId(tokens.idToken) ?? readJwtAccountId(tokens.accessToken) ?? null,
      },
      last_refresh: new Date(nowMs).toISOString(),
    },
    null,
    2,
  );

/** `3f6b…4e5f`: enough to tell accounts apart on screen, not enough to be the id. */
export const maskId = (id: string): string => (id.length <= 10 ? "…" : `${id.slice(0, 4)}…${id.slice(-4)}`);

/** `chatgpt_plan_type` from the access token (then the id token), or undefined. */
export const readPlan = (accessToken: string, idToken?: string): string | undefined => {
  for (const token of [accessToken, idToken]) {
    if (token === undefined) continue;
    const auth = decodeJwtPayload(token)?.["https://api.openai.com/auth"];
    const plan = isObject(auth) ? auth.chatgpt_plan_type : undefined;
    if (typeof plan === "string" && /^[A-Za-z0-9_-]{1,32}$/.test(plan)) return plan;
  }
  return undefined;
};

/** One line for an account: masked id and plan, never a token or an email. */
export const describeAccount = (tokens: { accessToken: string; idToken?: string; accountId?: string }): string => {
  const plan = readPlan(tokens.accessToken, tokens.idToken);
  return `${tokens.accountId ? `account ${maskId(tokens.accountId)}` : "no account id"}${plan ? `, plan ${plan}` : ""}`;
};

/** "in 3 h 12 min" / "2 days ago" for an expiry. */
export const relativeTime = (atMs: number, nowMs: number): string => {
  const delta = Math.abs(atMs - nowMs);
  const minutes = Math.round(delta / 60_000);
  const text = minutes < 60 ? `${minutes} min` : minutes < 48 * 60 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${Math.floor(minutes / 1440)} days`;
  return atMs >= nowMs ? `in ${text}` : `${text} ago`;
};

export { readJwtExpiry };
