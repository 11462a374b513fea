// One call to the OAuth token endpoint and its outcome: new tokens, a terminal code, or a transient failure.
// Request per spec §3.1, success per §3.2, the three error-code locations and the terminal codes per §3.3.
import * as z from "zod";
import { isObject, parseJson } from "../json.ts";
import type { TokenUpdate } from "./patch-auth-file.ts";

/** Codes after which only a new login helps (spec §3.3); never retried. */
export const TERMINAL_REFRESH_CODES: ReadonlySet<string> = new Set(["refresh_token_reused", "refresh_token_expired", "refresh_token_invalidated"]);

export type RefreshOutcome =
  | { kind: "ok"; tokens: TokenUpdate }
  | { kind: "terminal"; code: string; status: number }
  /** `reason` is safe to show: a status and code at most, never a body or token. */
  | { kind: "transient"; reason: string };

export interface RefreshRequest {
  fetch: typeof fetch;
  tokenUrl: string;
  clientId: string;
  refreshToken: string;
  /** Gives up on a silent token endpoint; default 20 s, inside the 30 s after which a lock counts as stale. */
  timeoutMs?: number;
}

const tokenResponseSchema = z.looseObject({
  id_token: z.string().min(1).optional().catch(undefined),
  access_token: z.string().min(1).optional().catch(undefined),
  refresh_token: z.string().min(1).optional().catch(undefined),
});

const SAFE_CODE = /^[A-Za-z0-9_.-]{1,64}$/;

/** The error code from `error.code`, `error` as a string, or top-level `code` (spec §3.3, §3.6). */
export const readRefreshErrorCode = (body: unknown): string | undefined => {
  if (!isObject(body)) return undefined;
  const error = body.error;
  const candidates = [isObject(error) ? error.code : undefined, error, body.code];
  const code = candidates.find((value): value is string => typeof value === "string" && SAFE_CODE.test(value));
  return code;
};

const readJson = async (response: Response): Promise<unknown> => parseJson(await response.text().catch(() => ""));

/** POSTs the refresh grant as JSON and classifies the answer; never throws. */
export const requestTokenRefresh = async (request: RefreshRequest): Promise<RefreshOutcome> => {
  let response: Response;
  try {
    response = await request.fetch(
      new Request(request.tokenUrl, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({
          client_id: request.clientId,
          grant_type: "refresh_token",
          refresh_token: request.refreshToken,
        }),
        signal: AbortSignal.timeout(request.timeoutMs ?? 20_000),
      }),
    );
  } catch (error) {
    const timedOut = error instanceof Error && error.name === "TimeoutError";
    return { kind: "transient", reason: timedOut ? "the token endpoint did not answer in time" : "the token endpoint could not be reached" };
  }
  const body = await readJson(response);
  if (response.ok) {
    const parsed = tokenResponseSchema.safeParse(body);
    if (!parsed.success) return { kind: "transient", reason: `HTTP ${response.status} with a body that is not a JSON object` };
    const { id_token, access_token, refresh_token } = parsed.data;
    if (!access_token && !id_token && !refresh_token) return { kind: "transient", reason: `HTTP ${response.status} without tokens` };
    const tokens: TokenUpdate = {};
    if (id_token) tokens.idToken = id_token;
    if (access_token) tokens.accessToken = access_token;
    if (refresh_token) tokens.refreshToken = refresh_token;
    return { kind: "ok", tokens };
  }
  const code = readRefreshErrorCode(body);
  // 401 in reports, 400 also seen since 2026-05 (openai/codex#24830): the code decides, not the status.
  if (code !== undefined && TERMINAL_REFRESH_CODES.has(code)) return { kind: "terminal", code, status: response.status };
  return { kind: "transient", reason: code === undefined ? `HTTP ${response.status}` : `HTTP ${response.status} ${code}` };
};
