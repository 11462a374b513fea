// `godex-proxy login`: device code (default without a local browser, or --device) or browser PKCE (--browser),
// then auth.json in the Codex CLI's format. Every failure: exit 1 and one line on stderr.
import { runBrowserLogin } from "../login/browser-login.ts";
import { runDeviceLogin } from "../login/device-login.ts";
import { LoginError, describeCause } from "../login/login-error.ts";
import { assertNoLogin, existingLogin, saveLogin, type LoginFile } from "../login/save-login.ts";
import { CODEX_CLIENT_ID, folderOf, sleep, type CliHost } from "./host.ts";

export const loginCommand = async (host: CliHost, values: Record<string, string | boolean | number | undefined>): Promise<never> => {
  const path = values["auth-path"] as string;
  const issuer = values["auth-issuer"] as string;
  const tokenUrl = values["token-url"] as string;
  const force = values.force === true;
  const io: LoginFile = { file: host.authFile(path), makeParentDir: () => host.cli.makeDir(folderOf(path)), now: host.now };
  if (values.device === true && values.browser === true) {
    host.stderr("godex-proxy login: --device and --browser exclude each other: pick one");
    return host.exit(2);
  }
  const mode = values.browser === true ? "browser" : values.device === true ? "device" : host.cli.hasBrowser() ? "browser" : "device";
  try {
    await assertNoLogin(io, force);
    const common = { fetch: host.fetch, print: host.stdout, issuer, tokenUrl, clientId: CODEX_CLIENT_ID };
    if (mode === "device") {
      const tokens = await runDeviceLogin({ ...common, now: host.now, sleep });
      await saveLogin(io, tokens, force);
    } else {
      await runBrowserLogin({
        ...common,
        serve: host.serve,
        openBrowser: (url) => host.cli.openBrowser(url),
        port: values["callback-port"] as number,
        store: (tokens) => saveLogin(io, tokens, true), // checked before the sign-in; the browser already said yes
      });
    }
    const who = (await existingLogin(io)) ?? "ChatGPT account";
    host.stdout(`Logged in (${who}). Saved to ${path} (the Codex CLI reads it too).`);
    host.stdout("Start the proxy: godex-proxy --api-key <a key your clients will send>");
    return host.exit(0);
  } catch (error) {
    const message = error instanceof LoginError ? error.message : `unexpected failure (${describeCause(error)}): run \`godex-proxy login\` again`;
    host.stderr(`godex-proxy login: ${message}`);
    return host.exit(1);
  }
};
