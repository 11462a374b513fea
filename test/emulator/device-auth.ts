// The issuer's login endpoints (issue 20): device code (`POST /api/accounts/deviceauth/usercode`, polled
// `POST /api/accounts/deviceauth/token`), the browser's `GET /oauth/authorize`, and the authorization-code grant at
// `POST /oauth/token`. Shapes as the Codex CLI uses them (openai/codex codex-rs/login/src/device_code_auth.rs,
// server.rs; REPORTED, not captured). Where the real issuer's answer is unknown (expired, denied, slow-down) the
// answer is an emulator choice, marked below; a test scripts the outcome of the next device login.
import { CLIENT_ID, type TokenRegistry } from "./tokens.ts";
import { randomAlnum } from "./ids.ts";
import { isObject, jsonResponse, type Rejection } from "./wire.ts";

/** How the next device code plays out, poll by poll: pending, slow-down, broken connections, then the outcome. */
export interface DeviceAuthScript {
  /** Polls answered 403 "pending" first (the CLI treats 403 and 404 as pending). Default 0. */
  pendingPolls?: number;
  /** Then polls answered slow_down (emulator choice: RFC 8628 section 3.5, 400 `{"error":"slow_down"}`). Default 0. */
  slowDownPolls?: number;
  /** Then polls whose connection breaks before any byte of the answer. Default 0. */
  networkFailures?: number;
  /** The final answer. `expired` and `denied` are emulator choices (400 `expired_token` / `authorization_declined`). */
  outcome?: "success" | "expired" | "denied";
  /** `interval` of the user-code answer, a string of seconds as the issuer sends it. Default "5". */
  interval?: string;
  /** Answer the user-code request itself with this status (e.g. 404: device login not enabled). */
  userCodeStatus?: number;
}

export interface DeviceAuthControl {
  /** Scripts the next device code (one script per code; later codes use the default: immediate success). */
  script(next: DeviceAuthScript): void;
  /** Every poll of the token endpoint, with the time it arrived (injected clock). */
  readonly polls: Array<{ deviceAuthId: string; time: number; answer: string }>;
  /** Authorization codes exchanged so far (device and browser). */
  readonly exchanges: number;
}

interface DeviceCode {
  userCode: string;
  steps: string[];
}

interface IssuedCode {
  challenge: string;
  redirectUri: string;
}

const base64Url = (bytes: Uint8Array): string => {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
};

const challengeOf = async (verifier: string): Promise<string> =>
  base64Url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));

const tryJson = (text: string): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
};

/** A response whose body breaks before its first byte: the client sees a dropped connection. */
const brokenResponse = (): Response =>
  new Response(new ReadableStream({ start: (controller) => controller.error(new TypeError("emulator: connection dropped")) }), {
    status: 200,
    headers: { "content-type": "application/json" },
  });

const oauthError = (error: string, description: string, status = 400): Rejection => ({ status, body: { error, error_description: description } });

export function createDeviceAuth(deps: { registry: TokenRegistry; now: () => number; ttlSeconds: number }) {
  const scripts: DeviceAuthScript[] = [];
  const codes = new Map<string, DeviceCode>();
  const issued = new Map<string, IssuedCode>();
  const polls: DeviceAuthControl["polls"] = [];
  let exchanges = 0;

  const issue = (challenge: string, redirectUri: string): string => {
    const code = `emulator-authorization-code-${randomAlnum(16)}`;
    issued.set(code, { challenge, redirectUri });
    return code;
  };

  async function userCode(body: Record<string, unknown> | undefined): Promise<Response> {
    const script = scripts.shift() ?? {};
    if (script.userCodeStatus !== undefined) return jsonResponse(script.userCodeStatus, { error: "not_found" });
    if (body?.client_id !== CLIENT_ID) return jsonResponse(400, { error: "invalid_client" });
    const deviceAuthId = `deviceauth_${randomAlnum(20)}`;
    const userCode = `${randomAlnum(4).toUpperCase()}-${randomAlnum(5).toUpperCase()}`;
    const steps = [
      ...Array<string>(script.pendingPolls ?? 0).fill("pending"),
      ...Array<string>(script.slowDownPolls ?? 0).fill("slow_down"),
      ...Array<string>(script.networkFailures ?? 0).fill("network"),
      script.outcome ?? "success",
    ];
    codes.set(deviceAuthId, { userCode, steps });
    return jsonResponse(200, { device_auth_id: deviceAuthId, user_code: userCode, interval: script.interval ?? "5" });
  }

  async function poll(origin: string, body: Record<string, unknown> | undefined): Promise<Response> {
    const id = typeof body?.device_auth_id === "string" ? body.device_auth_id : "";
    const code = codes.get(id);
    if (!code || body?.user_code !== code.userCode) return jsonResponse(400, { error: "invalid_request" });
    const step = code.steps.length > 1 ? (code.steps.shift() as string) : (code.steps[0] as string);
    polls.push({ deviceAuthId: id, time: deps.now(), answer: step });
    switch (step) {
      case "pending":
        // The CLI treats 403 and 404 as "not yet" (device_code_auth.rs); the body is an emulator choice.
        return jsonResponse(403, { error: { message: "Device authorization is pending.", code: "deviceauth_authorization_pending" } });
      case "slow_down":
        return jsonResponse(400, { error: "slow_down", error_description: "Polling too fast." });
      case "network":
        return brokenResponse();
      case "expired":
        codes.delete(id);
        return jsonResponse(400, { error: "expired_token", error_description: "The device code has expired." });
      case "denied":
        codes.delete(id);
        return jsonResponse(400, { error: "authorization_declined", error_description: "Denied" });
      default: {
        codes.delete(id);
        const verifier = randomAlnum(43);
        const challenge = await challengeOf(verifier);
        const authorizationCode = issue(challenge, `${origin}/deviceauth/callback`);
        return jsonResponse(200, { authorization_code: authorizationCode, code_challenge: challenge, code_verifier: verifier });
      }
    }
  }

  /** GET /oauth/authorize: approves at once and redirects to the loopback callback (the user's browser part). */
  function authorize(url: URL): Response {
    const q = url.searchParams;
    const redirectUri = q.get("redirect_uri") ?? "";
    const loopback = /^http:\/\/(localhost|127\.0\.0\.1):\d+\/auth\/callback$/.test(redirectUri);
    const challenge = q.get("code_challenge") ?? "";
    if (q.get("client_id") !== CLIENT_ID || q.get("response_type") !== "code" || q.get("code_challenge_method") !== "S256" || !loopback || challenge === "") {
      return jsonResponse(400, { error: "invalid_request", error_description: "bad authorize request" });
    }
    const target = new URL(redirectUri);
    target.searchParams.set("code", issue(challenge, redirectUri));
    target.searchParams.set("state", q.get("state") ?? "");
    return new Response(null, { status: 302, headers: { location: target.href } });
  }

  /** The authorization-code grant at /oauth/token (form or JSON body, already parsed). */
  async function exchange(body: Record<string, unknown>): Promise<Rejection> {
    if (body.client_id !== CLIENT_ID) return oauthError("invalid_client", "unknown client_id");
    const code = typeof body.code === "string" ? issued.get(body.code) : undefined;
    if (!code) return oauthError("invalid_grant", "unknown or already used authorization code");
    issued.delete(body.code as string);
    if (body.redirect_uri !== code.redirectUri) return oauthError("invalid_grant", "redirect_uri does not match the authorization request");
    if (typeof body.code_verifier !== "string" || (await challengeOf(body.code_verifier)) !== code.challenge) {
      return oauthError("invalid_grant", "code_verifier does not match the code_challenge");
    }
    exchanges += 1;
    const minted = deps.registry.mint({ expiresInSeconds: deps.ttlSeconds });
    return {
      status: 200,
      body: { id_token: minted.idToken, access_token: minted.accessToken, refresh_token: minted.refreshToken, expires_in: deps.ttlSeconds },
    };
  }

  /** Answers the device-auth and authorize paths; undefined for any other path. */
  async function handle(request: Request, path: string, rawBody: string): Promise<Response | undefined> {
    const method = request.method.toUpperCase();
    const url = new URL(request.url);
    if (path === "/oauth/authorize" && method === "GET") return authorize(url);
    if (path === "/api/accounts/deviceauth/usercode" && method === "POST") return userCode(tryJson(rawBody));
    if (path === "/api/accounts/deviceauth/token" && method === "POST") return poll(url.origin, tryJson(rawBody));
    return undefined;
  }

  const control: DeviceAuthControl = {
    script: (next) => void scripts.push(next),
    polls,
    get exchanges() {
      return exchanges;
    },
  };

  return { handle, exchange, control };
}
