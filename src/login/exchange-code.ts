// The authorization-code grant that ends both logins: a form POST to the token endpoint (`--token-url`) with
// the code, its PKCE verifier and the redirect URI, as the Codex CLI sends it (codex-rs/login/src/server.rs
// `exchange_code_for_tokens`; REPORTED). The CLI requires all three tokens in the answer; so do we.
import { LoginError } from "./login-error.ts";
import { describeAnswer, postTo } from "./oauth-http.ts";

/** The tokens a login stores (spec §2.2). */
export interface LoginTokens {
  idToken: string;
  accessToken: string;
  refreshToken: string;
}

export interface ExchangeRequest {
  fetch: typeof fetch;
  tokenUrl: string;
  clientId: string;
  code: string;
  verifier: string;
  redirectUri: string;
}

const nonEmpty = (value: unknown): value is string => typeof value === "string" && value !== "";

/** Exchanges the code for tokens; throws a LoginError that says what to do. */
export const exchangeCode = async (request: ExchangeRequest): Promise<LoginTokens> => {
  const result = await postTo(
    request.fetch,
    request.tokenUrl,
    {
      grant_type: "authorization_code",
      code: request.code,
      redirect_uri: request.redirectUri,
      client_id: request.clientId,
      code_verifier: request.verifier,
    },
    { form: true },
  );
  if (result.kind === "network") {
    throw new LoginError(`the token endpoint ${request.tokenUrl} could not be reached (${result.reason}): check the network or --token-url, then log in again`);
  }
  if (result.status < 200 || result.status > 299) {
    throw new LoginError(`the token endpoint refused the sign-in (${describeAnswer(result.status, result.json)}): log in again`);
  }
  const json = result.json ?? {};
  if (!nonEmpty(json.id_token) || !nonEmpty(json.access_token) || !nonEmpty(json.refresh_token)) {
    throw new LoginError(`the token endpoint answered HTTP ${result.status} without an id, access and refresh token: log in again`);
  }
  return { idToken: json.id_token, accessToken: json.access_token, refreshToken: json.refresh_token };
};
