// Browser login (issue 20): PKCE with a one-shot loopback callback, as the Codex CLI does it
// (codex-rs/login/src/server.rs; REPORTED): listen on 127.0.0.1:1455 (the CLI's registered fallback is 1457),
// send the user to {issuer}/oauth/authorize with redirect_uri http://localhost:PORT/auth/callback, check `state`
// on the callback (a mismatch is answered 400 and the wait goes on, like the CLI), exchange the code, store the
// tokens, then close the listener. The browser page says whether the sign-in was stored.
import { FLAG_DEFINITIONS } from "../config/flags.ts";
import { parseDuration } from "../config/duration.ts";
import type { Listen, Served } from "../start.ts";
import type { ClientInfo } from "../deps.ts";
import { exchangeCode, type LoginTokens } from "./exchange-code.ts";
import { LoginError, describeCause } from "./login-error.ts";
import { createPkce, randomToken } from "./pkce.ts";

/** The callback listener's connection timeouts: the --idle-timeout and --keep-alive defaults (it takes no flags). */
const CALLBACK_TIMEOUTS = {
  idleTimeoutMs: parseDuration(FLAG_DEFINITIONS.idleTimeout.default) as number,
  keepAliveMs: parseDuration(FLAG_DEFINITIONS.keepAlive.default) as number,
};

export interface BrowserLoginDeps {
  fetch: typeof fetch;
  serve: (handler: (request: Request, client: ClientInfo) => Promise<Response>, listen: Listen) => Promise<Served>;
  /** Tries to open `url` in the user's browser; false when there is none. */
  openBrowser: (url: string) => Promise<boolean>;
  print: (line: string) => void;
  issuer: string;
  tokenUrl: string;
  clientId: string;
  /** Callback port; 1455 is what the real issuer accepts (0 picks a free one, for a test issuer). */
  port: number;
  /** Stores the tokens before the browser is told it worked; its LoginError reaches the user. */
  store: (tokens: LoginTokens) => Promise<void>;
  /** Gives up after this long without a callback (default 15 minutes). */
  timeoutMs?: number;
}

export const DEFAULT_CALLBACK_PORT = 1455;
const FALLBACK_CALLBACK_PORT = 1457;
/** The scopes older CLI releases asked for (the current one adds connector scopes the proxy does not need). */
const SCOPE = "openid profile email offline_access";

const page = (status: number, title: string, text: string): Response =>
  new Response(
    `<!doctype html><meta charset="utf-8"><title>${title}</title><body style="font-family:sans-serif;margin:3em"><h1>${title}</h1><p>${text}</p></body>`,
    { status, headers: { "content-type": "text/html; charset=utf-8", connection: "close", "cache-control": "no-store" } },
  );

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const isAddressInUse = (error: unknown): boolean =>
  /EADDRINUSE|AddrInUse|address already in use|in use/i.test(`${describeCause(error)} ${error instanceof Error ? error.message : ""}`);

/** The authorize URL the user opens (query as the CLI builds it). */
export const authorizeUrl = (o: { issuer: string; clientId: string; redirectUri: string; challenge: string; state: string }): string => {
  const query = new URLSearchParams({
    response_type: "code",
    client_id: o.clientId,
    redirect_uri: o.redirectUri,
    scope: SCOPE,
    code_challenge: o.challenge,
    code_challenge_method: "S256",
    id_token_add_organizations: "true",
    codex_cli_simplified_flow: "true",
    state: o.state,
    originator: "codex_cli_rs",
  });
  return `${o.issuer}/oauth/authorize?${query.toString().replace(/\+/g, "%20")}`;
};

/** Runs the browser flow until the tokens are stored; throws a LoginError with one line for the user. */
export const runBrowserLogin = async (deps: BrowserLoginDeps): Promise<void> => {
  const issuer = deps.issuer.replace(/\/+$/, "");
  const pkce = await createPkce();
  const state = randomToken(32);
  let redirectUri = "";
  let finished = false;
  let settle: { resolve: () => void; reject: (error: Error) => void } | undefined;
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));

  const handler = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    if (url.pathname !== "/auth/callback") return page(404, "Not found", "This is the godex-proxy login callback.");
    if (finished) return page(410, "Sign-in already finished", "You can close this tab.");
    if (url.searchParams.get("state") !== state) {
      // Not ours (an old tab, another login, a forged link): refuse it and keep waiting for the real one.
      return page(400, "State mismatch", "This sign-in link does not belong to the running login. Start again from the terminal.");
    }
    finished = true;
    const error = url.searchParams.get("error");
    const code = url.searchParams.get("code");
    try {
      if (error !== null || code === null || code === "") {
        const reason = (error ?? "no authorization code").replace(/[^A-Za-z0-9_.-]/g, "").slice(0, 64) || "unknown";
        throw new LoginError(`the sign-in was not completed in the browser (${reason}): run \`godex-proxy login\` again`);
      }
      const tokens = await exchangeCode({ fetch: deps.fetch, tokenUrl: deps.tokenUrl, clientId: deps.clientId, code, verifier: pkce.verifier, redirectUri });
      await deps.store(tokens);
      settle?.resolve();
      return page(200, "Signed in", "godex-proxy stored your ChatGPT login. You can close this tab.");
    } catch (failure) {
      const loginError =
        failure instanceof LoginError ? failure : new LoginError(`the sign-in failed (${describeCause(failure)}): run \`godex-proxy login\` again`);
      settle?.reject(loginError);
      return page(500, "Sign-in failed", escapeHtml(loginError.message));
    }
  };

  const listen = async (port: number): Promise<Served> => deps.serve(handler, { hostname: "127.0.0.1", port, ...CALLBACK_TIMEOUTS });
  let served: Served;
  try {
    served = await listen(deps.port).catch((error: unknown) => {
      if (deps.port === DEFAULT_CALLBACK_PORT && isAddressInUse(error)) return listen(FALLBACK_CALLBACK_PORT);
      throw error;
    });
  } catch (error) {
    const what = isAddressInUse(error) ? "is already in use (is another login running?)" : `cannot be opened (${describeCause(error)})`;
    throw new LoginError(`the login callback port 127.0.0.1:${deps.port} ${what}: finish or stop the other login, or use \`godex-proxy login --device\``);
  }
  const port = new URL(served.url).port;
  redirectUri = `http://localhost:${port}/auth/callback`;
  const url = authorizeUrl({ issuer, clientId: deps.clientId, redirectUri, challenge: pkce.challenge, state });

  deps.print("To sign in with ChatGPT, open this URL in a browser on this machine:");
  deps.print("");
  deps.print(`    ${url}`);
  deps.print("");
  const opened = await deps.openBrowser(url).catch(() => false);
  deps.print(opened ? "(A browser window was opened for you.) Waiting for the sign-in… (Ctrl-C cancels)" : "Waiting for the sign-in… (Ctrl-C cancels)");

  const timeoutMs = deps.timeoutMs ?? 15 * 60 * 1000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LoginError("no sign-in arrived within 15 minutes: run `godex-proxy login` again (or use --device)")), timeoutMs);
  });
  try {
    await Promise.race([done, timeout]);
  } finally {
    clearTimeout(timer);
    finished = true;
    // Let the answer page go out, then stop listening (a keep-alive browser must not hold the process).
    await new Promise((resolve) => setTimeout(resolve, 50));
    let wait: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([served.close(true).catch(() => undefined), new Promise((resolve) => (wait = setTimeout(resolve, 1000)))]);
    clearTimeout(wait);
  }
};
