// Id formats of spec §5.9: `<prefix>_` + 50 lowercase hex sharing one 16-hex chunk per response, and
// `call_` + 24 alphanumerics, unique per emulator. Web crypto only, so it runs on Node, Bun and Deno.

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function randomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

/** `n` random lowercase hex characters. */
export function randomHex(n: number): string {
  let out = "";
  for (const byte of randomBytes(Math.ceil(n / 2))) out += byte.toString(16).padStart(2, "0");
  return out.slice(0, n);
}

/** `n` random characters of [A-Za-z0-9] (rejection-free modulo; the bias is irrelevant for tests). */
export function randomAlnum(n: number): string {
  let out = "";
  for (const byte of randomBytes(n)) out += ALNUM[byte % ALNUM.length];
  return out;
}

/** Ids for one response: every id shares the response's 16-hex chunk, as in the fixtures. */
export function createResponseIds(issuedCallIds: Set<string>) {
  const chunk = randomHex(16);
  return {
    responseId: `resp_${chunk}${randomHex(34)}`,
    itemId: (prefix: "msg" | "rs" | "fc" | "ctc" | "ws" | "ig" | "cmp") => `${prefix}_${chunk}${randomHex(34)}`,
    callId: (): string => {
      for (;;) {
        const id = `call_${randomAlnum(24)}`;
        if (!issuedCallIds.has(id)) {
          issuedCallIds.add(id);
          return id;
        }
      }
    },
  };
}

export type ResponseIds = ReturnType<typeof createResponseIds>;

/** A fake `encrypted_content` blob in the `gAAAAAB…==` shape of the fixtures. */
export function encryptedBlob(): string {
  const body = btoa(String.fromCharCode(...randomBytes(96)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
  return `gAAAAAB${body}==`;
}

/** Random `obfuscation` padding that brings a delta to 16 characters (§5.4), at least 2. */
export function obfuscation(delta: string): string {
  return randomAlnum(Math.max(2, 16 - delta.length));
}
