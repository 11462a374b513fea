// Headers of every upstream call, built per call from the current credentials (spec §4.1).
import type { Credentials } from "../auth/types.ts";

/** Codex-like user agent: Cloudflare may block unusual ones (spec §4.1, pitfall 36). */
export const UPSTREAM_USER_AGENT = "codex_cli_rs/0.125.0 (Linux; x86_64) godex-proxy";

export const toUpstreamHeaders = (credentials: Credentials, sessionKey: string): Headers => {
  const headers = new Headers({
    authorization: `Bearer ${credentials.accessToken}`,
    "content-type": "application/json",
    accept: "text/event-stream",
    originator: "codex_cli_rs",
    "user-agent": UPSTREAM_USER_AGENT,
    session_id: sessionKey,
  });
  if (credentials.accountId) headers.set("chatgpt-account-id", credentials.accountId);
  return headers;
};
