// Seals the shared ChatGPT tokens with AES-256-GCM through Web Crypto before they reach Redis, and opens them
// (issue #10 item 3, --share-credentials). The key comes from GODEX_PROXY_STORE_KEY via HKDF-SHA-256.
import { parseJsonObject } from "../json.ts";
import type { SharedTokens } from "./types.ts";
import { fromBase64Url, toBase64Url } from "./base64url.ts";

const FORMAT = "v1";
/** Binds a ciphertext to its purpose: a sealed value copied to another key or format fails to open. */
const ADDITIONAL_DATA = new TextEncoder().encode("godex-proxy/shared-credentials/v1");
const IV_BYTES = 12;

/** The AES-GCM key every instance derives from the same secret (HKDF-SHA-256, fixed salt and info). */
export const importStoreKey = async (secret: string): Promise<CryptoKey> => {
  const material = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new TextEncoder().encode("godex-proxy"), info: new TextEncoder().encode("shared-credentials") },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
};

/** `v1.<iv>.<ciphertext>`, base64url; a fresh random IV each time (GCM must never reuse one under a key). */
export const sealTokens = async (key: CryptoKey, tokens: SharedTokens): Promise<string> => {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const plain = new TextEncoder().encode(JSON.stringify(tokens));
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: ADDITIONAL_DATA }, key, plain));
  return `${FORMAT}.${toBase64Url(iv)}.${toBase64Url(sealed)}`;
};

/** The tokens inside `sealed`; throws an Error that names the likely cause (never the content) when it cannot. */
export const openTokens = async (key: CryptoKey, sealed: string): Promise<SharedTokens> => {
  const [format, iv, data] = sealed.split(".");
  if (format !== FORMAT || iv === undefined || data === undefined) throw new Error("the shared credentials in Redis have an unknown format");
  let plain: ArrayBuffer;
  try {
    plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: fromBase64Url(iv), additionalData: ADDITIONAL_DATA }, key, fromBase64Url(data));
  } catch {
    throw new Error("cannot decrypt the shared credentials in Redis: every instance needs the same GODEX_PROXY_STORE_KEY");
  }
  const record = parseJsonObject(new TextDecoder().decode(plain)) ?? {};
  if (typeof record.accessToken !== "string" || typeof record.refreshedAt !== "number") {
    throw new Error("the shared credentials in Redis lack an access token");
  }
  const tokens: SharedTokens = { accessToken: record.accessToken, refreshedAt: record.refreshedAt };
  if (typeof record.refreshToken === "string") tokens.refreshToken = record.refreshToken;
  if (typeof record.idToken === "string") tokens.idToken = record.idToken;
  return tokens;
};
