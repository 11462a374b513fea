// Applies refreshed tokens to auth.json text as a generic JSON patch (spec §3.5 steps 1–5, §3.6).
// Pure: every other key, at any depth and in its order, stays as it was; id_token stays a string.
import { isObject as isRecord } from "../json.ts";
import { readJwtAccountId } from "./jwt.ts";

/** The tokens a refresh returned; each is optional (spec §3.2). */
export interface TokenUpdate {
  idToken?: string;
  accessToken?: string;
  refreshToken?: string;
}

/**
 * New file text: tokens present in `update` replaced, `account_id` set only when the new tokens carry a
 * different non-empty one, `last_refresh` = `nowMs` as RFC 3339 UTC, 2-space indent, and a trailing
 * newline only if `original` had one. Throws when `original` is not a JSON object.
 */
export const patchAuthFile = (original: string, update: TokenUpdate, nowMs: number): string => {
  const root: unknown = JSON.parse(original);
  if (!isRecord(root)) throw new TypeError("auth.json is not a JSON object");
  if (!isRecord(root.tokens)) root.tokens = {};
  const tokens = root.tokens as Record<string, unknown>;

  if (update.idToken !== undefined) tokens.id_token = update.idToken;
  // A legacy object id_token is read but never written back (spec §2.2): keep only its JWT.
  else if (isRecord(tokens.id_token) && typeof tokens.id_token.raw_jwt === "string") tokens.id_token = tokens.id_token.raw_jwt;
  if (update.accessToken !== undefined) tokens.access_token = update.accessToken;
  if (update.refreshToken !== undefined) tokens.refresh_token = update.refreshToken;

  const newAccountId =
    (update.accessToken ? readJwtAccountId(update.accessToken) : undefined) ?? (update.idToken ? readJwtAccountId(update.idToken) : undefined);
  if (newAccountId !== undefined && newAccountId !== tokens.account_id) tokens.account_id = newAccountId;

  root.last_refresh = new Date(nowMs).toISOString();
  return JSON.stringify(root, null, 2) + (original.endsWith("\n") ? "\n" : "");
};
