// Token book-keeping for auth rules R2–R3 (§12.1) and the refresh-token states of §12.3.
// Access tokens are fake JWTs (test/support/jwt.ts); claims are read from the payload, never verified (§2.3).
import { makeJwt, readJwtPayload } from "../support/jwt.ts";
import { FIXTURE_AUTH_FILES } from "./fixtures.ts";
import { randomAlnum, randomHex } from "./ids.ts";
import { detail, isObject, type Rejection } from "./wire.ts";

export const AUTH_CLAIM = "https://api.openai.com/auth";
export const FIXTURE_ACCOUNT_ID = "3f6b1c2e-8d4a-4f0b-9c7e-5a1d2b3c4e5f";
export const CLIENT_ID = "app_EMoamEEZ73f0CkXaXp7hrann";

export type RefreshState = "unused" | "used" | "expired" | "invalidated";

interface RefreshRecord {
  state: RefreshState;
  accountId: string | null;
  planType: string;
}

export interface TokenSet {
  accessToken: string;
  refreshToken: string;
  idToken: string;
}

export interface MintOptions {
  expiresInSeconds?: number;
  accountId?: string | null;
  planType?: string;
}

/** Reads the `chatgpt_account_id` claim of a JWT, or null. */
export function accountIdOf(token: string): string | null {
  try {
    const claim = readJwtPayload(token)[AUTH_CLAIM];
    return isObject(claim) && typeof claim.chatgpt_account_id === "string" ? claim.chatgpt_account_id : null;
  } catch {
    return null;
  }
}

function claimOf(token: string, key: string): unknown {
  try {
    const claim = readJwtPayload(token)[AUTH_CLAIM];
    return isObject(claim) ? claim[key] : undefined;
  } catch {
    return undefined;
  }
}

export function createTokenRegistry(deps: { now: () => number; defaultTtlSeconds: number }) {
  /** access token → invalidated? */
  const accessTokens = new Map<string, boolean>();
  const refreshTokens = new Map<string, RefreshRecord>();
  let serial = 0;

  function trustAuthFile(authJson: string | object): void {
    const file: unknown = typeof authJson === "string" ? JSON.parse(authJson) : authJson;
    const tokens = isObject(file) && isObject(file.tokens) ? file.tokens : undefined;
    if (!tokens) throw new Error("trustAuthFile: no `tokens` object in the auth file");
    const access = typeof tokens.access_token === "string" ? tokens.access_token : undefined;
    if (access !== undefined && !accessTokens.has(access)) accessTokens.set(access, false);
    const refresh = tokens.refresh_token;
    if (typeof refresh === "string" && !refreshTokens.has(refresh)) {
      const accountId = (access && accountIdOf(access)) ?? (typeof tokens.account_id === "string" ? tokens.account_id : null);
      const plan = access ? claimOf(access, "chatgpt_plan_type") : undefined;
      refreshTokens.set(refresh, { state: "unused", accountId, planType: typeof plan === "string" ? plan : "plus" });
    }
  }

  /** Mints a known token set; the JWTs look like the fixtures' and carry `exp = now + expiresIn`. */
  function mint(opts: MintOptions = {}): TokenSet {
    serial += 1;
    const nowSec = Math.floor(deps.now() / 1000);
    const exp = nowSec + (opts.expiresInSeconds ?? deps.defaultTtlSeconds);
    const accountId = opts.accountId === undefined ? FIXTURE_ACCOUNT_ID : opts.accountId;
    const planType = opts.planType ?? "plus";
    const userId = "user-Fx7QmR2bK9tL4wZ1nP8sV3cD";
    const auth: Record<string, unknown> = { chatgpt_plan_type: planType, chatgpt_user_id: userId, user_id: userId };
    if (accountId !== null) auth.chatgpt_account_id = accountId;
    const accessToken = makeJwt({
      iss: "https://auth.openai.com",
      aud: ["https://api.openai.com/v1"],
      client_id: CLIENT_ID,
      sub: "auth0|emulator0000000000000001",
      iat: nowSec,
      exp,
      jti: `emulator-jti-${serial}-${randomHex(8)}`,
      scp: ["openid", "profile", "email", "offline_access"],
      [AUTH_CLAIM]: auth,
      "https://api.openai.com/profile": { email: "dev@example.test", email_verified: true },
    });
    const idToken = makeJwt({
      iss: "https://auth.openai.com",
      aud: [CLIENT_ID],
      sub: "auth0|emulator0000000000000001",
      iat: nowSec,
      exp,
      auth_time: nowSec,
      email: "dev@example.test",
      email_verified: true,
      [AUTH_CLAIM]: auth,
    });
    const refreshToken = `emulator-refresh-token-${String(serial).padStart(4, "0")}-${randomAlnum(12)}-NOT-REAL`;
    accessTokens.set(accessToken, false);
    refreshTokens.set(refreshToken, { state: "unused", accountId, planType });
    return { accessToken, refreshToken, idToken };
  }

  /**
   * R2, R2b, R2c, R3 on an Authorization / ChatGPT-Account-ID pair. Returns the token's account id when accepted.
   * With `requireAccountId` false a missing header passes, but a header that names another account never does.
   */
  function checkBearer(headers: Headers, requireAccountId: boolean): { accountId: string | null } | Rejection {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.get("authorization") ?? "");
    const token = match?.[1];
    if (token === undefined || !accessTokens.has(token)) return detail(401, "Unauthorized");
    let exp: unknown;
    try {
      exp = readJwtPayload(token).exp;
    } catch {
      exp = undefined;
    }
    if (typeof exp === "number" && exp * 1000 <= deps.now()) {
      return {
        status: 401,
        body: {
          error: { message: "Provided authentication token is expired. Please try signing in again.", type: null, code: "token_expired", param: null },
          status: 401,
        },
      };
    }
    if (accessTokens.get(token) === true) {
      return {
        status: 401,
        body: {
          error: {
            message: "Your authentication token has been invalidated. Please try signing in again.",
            type: "invalid_request_error",
            code: "token_invalidated",
            param: null,
          },
          status: 401,
        },
      };
    }
    const accountId = accountIdOf(token);
    const header = headers.get("chatgpt-account-id");
    if (header === null ? requireAccountId : header !== accountId) return detail(401, "Unauthorized");
    return { accountId };
  }

  for (const file of FIXTURE_AUTH_FILES) trustAuthFile(file);

  return {
    trustAuthFile,
    mint,
    checkBearer,
    invalidateAccessToken(token: string): void {
      accessTokens.set(token, true);
    },
    /** Registers a token the emulator issued outside `mint` (the refresh-response.json fixture). */
    trustAccessToken(token: string): void {
      if (!accessTokens.has(token)) accessTokens.set(token, false);
    },
    refreshRecord(token: string): RefreshRecord | undefined {
      return refreshTokens.get(token);
    },
    setRefreshState(token: string, state: RefreshState): void {
      const record = refreshTokens.get(token);
      if (record) record.state = state;
      else refreshTokens.set(token, { state, accountId: FIXTURE_ACCOUNT_ID, planType: "plus" });
    },
  };
}

export type TokenRegistry = ReturnType<typeof createTokenRegistry>;
