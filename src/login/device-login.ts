// Device-code login (issue 20), as the Codex CLI does it (codex-rs/login/src/device_code_auth.rs; REPORTED):
// 1. POST {issuer}/api/accounts/deviceauth/usercode {client_id} → device_auth_id, user_code, interval (a string
//    of seconds); the user enters the code at {issuer}/codex/device.
// 2. POST {issuer}/api/accounts/deviceauth/token {device_auth_id, user_code} every `interval` s: 403/404 mean
//    "not yet"; 200 gives authorization_code + code_verifier. The CLI gives up after 15 minutes.
// 3. The code is exchanged at the token endpoint with redirect_uri {issuer}/deviceauth/callback.
// Ours on top (not from the CLI, which fails on anything but 403/404/200): slow_down (or a 429) adds 5 s to the
// interval (RFC 8628 section 3.5); expired / denied codes get their own message; up to 3 broken polls in a row are retried.
import { exchangeCode, type LoginTokens } from "./exchange-code.ts";
import { LoginError } from "./login-error.ts";
import { describeAnswer, postTo, readErrorCode } from "./oauth-http.ts";

export interface DeviceLoginDeps {
  fetch: typeof fetch;
  /** Epoch ms; the 15-minute limit is measured with it. */
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Prints one line to the user (stdout). */
  print: (line: string) => void;
  issuer: string;
  tokenUrl: string;
  clientId: string;
}

/** How long the user has to enter the code (the CLI's limit). */
export const DEVICE_LOGIN_MAX_WAIT_MS = 15 * 60 * 1000;
/** Interval when the issuer gives none or an unreadable one (what the real issuer sends, per other clients). */
const DEFAULT_INTERVAL_S = 5;
/** RFC 8628 section 3.5: on slow_down, poll 5 s less often from then on. */
const SLOW_DOWN_STEP_S = 5;
/** Broken polls (network, 5xx) tolerated in a row before giving up. */
const MAX_BROKEN_POLLS = 3;

const readInterval = (value: unknown): number => {
  const seconds = typeof value === "number" ? value : typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  return Number.isFinite(seconds) && seconds >= 0 && seconds <= 60 ? seconds : DEFAULT_INTERVAL_S;
};

const AGAIN = "run `godex-proxy login` again";

/** Runs the device flow to its tokens; throws a LoginError with one line for the user. */
export const runDeviceLogin = async (deps: DeviceLoginDeps): Promise<LoginTokens> => {
  const issuer = deps.issuer.replace(/\/+$/, "");
  const started = deps.now();
  const start = await postTo(deps.fetch, `${issuer}/api/accounts/deviceauth/usercode`, { client_id: deps.clientId });
  if (start.kind === "network") throw new LoginError(`cannot reach ${issuer} (${start.reason}): check the network or --auth-issuer, then ${AGAIN}`);
  if (start.status === 404)
    throw new LoginError(`${issuer} does not offer device-code login (HTTP 404): use \`godex-proxy login --browser\` or check --auth-issuer`);
  const deviceAuthId = start.json?.device_auth_id;
  const userCode = start.json?.user_code ?? start.json?.usercode; // the CLI accepts both spellings
  if (start.status !== 200 || typeof deviceAuthId !== "string" || typeof userCode !== "string" || deviceAuthId === "" || userCode === "") {
    throw new LoginError(`${issuer} did not start a device login (${describeAnswer(start.status, start.json)}): try again later or use --browser`);
  }
  let interval = readInterval(start.json?.interval);

  deps.print(`To sign in with ChatGPT, open ${issuer}/codex/device in a browser (any device) and enter this code:`);
  deps.print("");
  deps.print(`    ${userCode}`);
  deps.print("");
  deps.print("The code expires in 15 minutes. Never share it: device codes are a common phishing target.");
  deps.print("Waiting for the sign-in… (Ctrl-C cancels)");

  let broken = 0;
  for (;;) {
    const remaining = started + DEVICE_LOGIN_MAX_WAIT_MS - deps.now();
    if (remaining <= 0) throw new LoginError(`the code was not entered within 15 minutes: ${AGAIN}`);
    const poll = await postTo(deps.fetch, `${issuer}/api/accounts/deviceauth/token`, { device_auth_id: deviceAuthId, user_code: userCode });
    if (poll.kind === "network" || poll.status >= 500) {
      broken += 1;
      if (broken > MAX_BROKEN_POLLS) {
        const what = poll.kind === "network" ? poll.reason : `HTTP ${poll.status}`;
        throw new LoginError(
          `lost the connection to ${issuer} while waiting for the sign-in (${what}, ${broken} times in a row): check the network, then ${AGAIN}`,
        );
      }
      await deps.sleep(Math.min(Math.max(interval, 1) * 1000, remaining));
      continue;
    }
    broken = 0;
    if (poll.status === 200) {
      const code = poll.json?.authorization_code;
      const verifier = poll.json?.code_verifier;
      if (typeof code !== "string" || typeof verifier !== "string" || code === "" || verifier === "") {
        throw new LoginError(`${issuer} answered the sign-in without an authorization code: ${AGAIN}`);
      }
      return exchangeCode({
        fetch: deps.fetch,
        tokenUrl: deps.tokenUrl,
        clientId: deps.clientId,
        code,
        verifier,
        redirectUri: `${issuer}/deviceauth/callback`,
      });
    }
    const errorCode = readErrorCode(poll.json) ?? "";
    if (/expired/i.test(errorCode)) throw new LoginError(`the code expired before the sign-in was finished: ${AGAIN}`);
    if (/denied|declined|rejected/i.test(errorCode)) throw new LoginError(`the sign-in was denied in the browser: ${AGAIN} and approve it`);
    if (poll.status === 429 || errorCode === "slow_down") {
      interval += SLOW_DOWN_STEP_S;
    } else if (poll.status !== 403 && poll.status !== 404 && !/pending/i.test(errorCode)) {
      throw new LoginError(`${issuer} refused the device login (${describeAnswer(poll.status, poll.json)}): ${AGAIN}`);
    }
    await deps.sleep(Math.min(interval * 1000, remaining));
  }
};
