// The official Codex client and what of its request headers goes upstream (issue 16 item 2; docs/backend.md §13.2,
// [OBSERVED] in the CLI 0.169 captures in test/fixtures/codex-cli-0.169/). Its requests go through as it sent them:
// the Codex headers below are forwarded, the credentials are the proxy's own. Pure.

/** `originator` starting with `codex` (codex_cli_rs, codex_exec, …) or the Responses Lite header. */
export const isOfficialClient = (headers: Headers): boolean =>
  /^codex/i.test(headers.get("originator") ?? "") || headers.has("x-openai-internal-codex-responses-lite");

/** Forwarded by name; `x-codex-*` and `x-openai-internal-*` by prefix. Never authorization, hop-by-hop or framing. */
const FORWARDED = new Set(["session-id", "thread-id", "x-client-request-id", "originator", "user-agent", "version", "x-oai-attestation"]);
const FORWARDED_PREFIX = /^x-(codex|openai-internal)-/;

/** The official client's Codex headers, as it sent them (lower-case names). */
export const officialClientHeaders = (headers: Headers): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [name, value] of headers) if (FORWARDED.has(name) || FORWARDED_PREFIX.test(name)) out[name] = value;
  return out;
};
