// POST /oauth/token, spec §12.3 (wire shapes §3.1–§3.3): JSON or form bodies, single-use rotating refresh tokens,
// reuse / expired / invalidated errors, and a scripted transient 500.
import { REFRESH_ERROR_REUSED, REFRESH_REQUEST, REFRESH_RESPONSE } from "./fixtures.ts";
import { CLIENT_ID, type TokenRegistry } from "./tokens.ts";
import { isObject, type Rejection } from "./wire.ts";

export interface TokenEndpointDeps {
  registry: TokenRegistry;
  ttlSeconds: number;
  reuseStatus: 401 | 400;
  refreshResponses: "mint" | "fixture";
}

/** Parses a JSON body, or a form body when the media type says application/x-www-form-urlencoded. */
export function parseTokenBody(contentType: string | null, rawBody: string): Record<string, unknown> | undefined {
  const mediaType = (contentType ?? "").split(";")[0]?.trim().toLowerCase();
  if (mediaType === "application/x-www-form-urlencoded") return Object.fromEntries(new URLSearchParams(rawBody));
  try {
    const body: unknown = JSON.parse(rawBody);
    return isObject(body) ? body : undefined;
  } catch {
    return undefined;
  }
}

function refreshError(code: string, message: string): Rejection {
  return { status: 401, body: { error: { message, type: "invalid_request_error", param: null, code } } };
}

export function createTokenEndpoint(deps: TokenEndpointDeps) {
  let failNext = false;

  /** Answers one token request; `body` is the parsed request (undefined when it did not parse). */
  function answer(body: Record<string, unknown> | undefined): Rejection {
    // Emulator choice: a missing or non-string refresh_token is a malformed request too.
    if (!body || body.client_id !== CLIENT_ID || body.grant_type !== "refresh_token" || typeof body.refresh_token !== "string") {
      return { status: 400, body: { error: "invalid_request" } };
    }
    if (failNext) {
      failNext = false;
      return { status: 500, body: { error: "server_error" } };
    }
    const token = body.refresh_token;
    const record = deps.registry.refreshRecord(token);
    if (record === undefined || record.state === "invalidated") {
      return refreshError("refresh_token_invalidated", "Your refresh token has been invalidated. Please try signing in again.");
    }
    if (record.state === "expired") return refreshError("refresh_token_expired", "Your refresh token has expired. Please try signing in again.");
    if (record.state === "used") return { status: deps.reuseStatus, body: structuredClone(REFRESH_ERROR_REUSED.body) };
    deps.registry.setRefreshState(token, "used");
    if (deps.refreshResponses === "fixture" && token === REFRESH_REQUEST.refresh_token) {
      const fixture = structuredClone(REFRESH_RESPONSE.body) as Record<string, unknown>;
      if (typeof fixture.access_token === "string") deps.registry.trustAccessToken(fixture.access_token);
      return { status: 200, body: fixture };
    }
    const minted = deps.registry.mint({ expiresInSeconds: deps.ttlSeconds, accountId: record.accountId, planType: record.planType });
    return {
      status: 200,
      body: { id_token: minted.idToken, access_token: minted.accessToken, refresh_token: minted.refreshToken, expires_in: deps.ttlSeconds },
    };
  }

  return {
    answer,
    failNextRefresh(): void {
      failNext = true;
    },
    clearFailure(): void {
      failNext = false;
    },
  };
}
