// The auth.json variants we accept when reading (spec §2.2), validated only in the fields the proxy reads.
// Loose objects: unknown keys are allowed here; rewriting never goes through this schema (spec §3.5).
import * as z from "zod";

/** godex once wrote `id_token` as this object; read it, never write it (spec §2.2 "Legacy"). */
const legacyIdTokenSchema = z.looseObject({
  raw_jwt: z.string().nullish().catch(undefined),
  chatgpt_account_id: z.string().nullish().catch(undefined),
});

export const authTokensSchema = z.looseObject({
  id_token: z.union([z.string(), legacyIdTokenSchema]).nullish().catch(undefined),
  access_token: z.string().nullish(),
  refresh_token: z.string().nullish(),
  account_id: z.string().nullish().catch(undefined),
});

export const authFileSchema = z.looseObject({
  // "chatgpt", "apikey", "chatgptAuthTokens", "agentIdentity", or absent in older files.
  auth_mode: z.string().nullish().catch(undefined),
  OPENAI_API_KEY: z.string().nullish().catch(undefined),
  tokens: authTokensSchema.nullish(),
  last_refresh: z.string().nullish().catch(undefined),
});
