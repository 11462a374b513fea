// auth.json text → the credentials the proxy uses: account id in spec §2.4 order, expiry from the JWT `exp`.
// Pure. Problems come back as data whose message names the path and the fix, never the file content.
import { parseJson } from "../json.ts";
import { authFileSchema } from "../schemas/auth-file.ts";
import { readJwtAccountId, readJwtExpiry } from "./jwt.ts";

/** Credentials read from one version of auth.json. */
export interface ResolvedAuth {
  ok: true;
  accessToken: string;
  refreshToken?: string;
  /** The id_token JWT (the legacy object form's `raw_jwt`); kept to share complete credentials (issue #10). */
  idToken?: string;
  accountId?: string;
  /** Access-token `exp` in epoch ms; undefined when unreadable. */
  expiresAt?: number;
  /** `last_refresh` in epoch ms; undefined when absent or unparsable. */
  lastRefreshAt?: number;
}

/** Why auth.json gives no usable credentials, worded for the user. */
export interface AuthProblem {
  ok: false;
  code: "auth_file_not_found" | "auth_file_unreadable" | "auth_file_invalid" | "auth_file_api_key_only" | "auth_file_no_tokens";
  message: string;
}

export type AuthResolution = ResolvedAuth | AuthProblem;

const LOGIN_HINT = "run `codex login` (Sign in with ChatGPT) or pass --auth-path";

/** The message for a missing file, with the keyring hint of spec §2.1. */
export const missingFileMessage = (path: string): string =>
  `auth.json not found at ${path}: log in with the Codex CLI (\`codex login\`) or pass --auth-path. ` +
  `If the CLI keeps credentials in the OS keyring, set cli_auth_credentials_store = "file" in its config.toml and log in again.`;

/** RFC 3339 with up to nanoseconds (the CLI writes 9 digits); Date.parse only promises milliseconds. */
const parseRfc3339 = (text: string): number | undefined => {
  const ms = Date.parse(text.replace(/(\.\d{3})\d+/, "$1"));
  return Number.isNaN(ms) ? undefined : ms;
};

/** Resolves auth.json text (null: the file does not exist) into credentials or a user-facing problem. */
export const resolveCredentials = (text: string | null, path: string): AuthResolution => {
  if (text === null) return { ok: false, code: "auth_file_not_found", message: missingFileMessage(path) };
  const raw = parseJson(text);
  if (raw === undefined) {
    // The parser's message quotes the content, which may hold tokens: name the path only.
    return { ok: false, code: "auth_file_invalid", message: `auth.json at ${path} is not valid JSON: ${LOGIN_HINT}` };
  }
  const parsed = authFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join(".") : "top level";
    return {
      ok: false,
      code: "auth_file_invalid",
      message: `auth.json at ${path} has an unexpected shape at ${where}: ${LOGIN_HINT}`,
    };
  }
  const file = parsed.data;
  const tokens = file.tokens ?? undefined;
  const accessToken = tokens?.access_token;
  if (typeof accessToken !== "string" || accessToken === "") {
    const hasApiKey = file.auth_mode === "apikey" || (typeof file.OPENAI_API_KEY === "string" && file.OPENAI_API_KEY !== "");
    return hasApiKey
      ? {
          ok: false,
          code: "auth_file_api_key_only",
          message: `auth.json at ${path} holds an API key, not ChatGPT tokens; the Codex backend accepts only a ChatGPT login: ${LOGIN_HINT}`,
        }
      : { ok: false, code: "auth_file_no_tokens", message: `auth.json at ${path} has no tokens.access_token: ${LOGIN_HINT}` };
  }
  const idToken = tokens?.id_token;
  const idJwt = typeof idToken === "string" ? idToken : (idToken?.raw_jwt ?? undefined);
  const legacyAccountId = typeof idToken === "object" ? idToken?.chatgpt_account_id : undefined;
  const accountId =
    (tokens?.account_id || undefined) ?? // 1. what the CLI uses
    readJwtAccountId(accessToken) ?? // 2. access-token claim
    (idJwt ? readJwtAccountId(idJwt) : undefined) ?? // 3. id-token claim
    (legacyAccountId || undefined); // 4. legacy object form
  const resolved: ResolvedAuth = { ok: true, accessToken };
  if (tokens?.refresh_token) resolved.refreshToken = tokens.refresh_token;
  if (idJwt) resolved.idToken = idJwt;
  if (accountId !== undefined) resolved.accountId = accountId;
  const expiresAt = readJwtExpiry(accessToken);
  if (expiresAt !== undefined) resolved.expiresAt = expiresAt;
  const lastRefreshAt = file.last_refresh ? parseRfc3339(file.last_refresh) : undefined;
  if (lastRefreshAt !== undefined) resolved.lastRefreshAt = lastRefreshAt;
  return resolved;
};
