// `godex-proxy demo`: the proxy on 127.0.0.1:39001 (key `demo-key`) in front of the bundled emulator of the Codex
// backend with a throwaway auth.json, so nothing leaves the machine; prints a ready curl and an OpenClaw config.
// Proxy flags after `demo` are passed on (a later --listen wins); GODEX_PROXY_API_KEY / _LISTEN are honoured.
import { startProxy } from "../start.ts";
import type { CliHost } from "./host.ts";

export const demoHints = (url: string, key: string, backendUrl: string): string => `
Demo: the proxy at ${url} talks to a local emulator of the Codex backend (${backendUrl}),
so nothing leaves this machine and answers are scripted ("hello"; "CALL_TOOL <name> <json>" calls a tool).

Try it:
  curl -s ${url}/v1/models -H 'Authorization: Bearer ${key}'
  curl -sN ${url}/v1/chat/completions -H 'Authorization: Bearer ${key}' -H 'Content-Type: application/json' \\
    -d '{"model":"gpt-5.2-codex","stream":true,"messages":[{"role":"user","content":"Say hello"}]}'

OpenClaw provider config (json5):
  models: { mode: "replace", providers: { godex: {
    baseUrl: "${url}/v1", apiKey: "${key}", api: "openai-responses",
    models: [{ id: "gpt-5.2-codex", name: "GPT-5.2 Codex via godex" }] } } },
  agents: { defaults: { model: { primary: "godex/gpt-5.2-codex" } } },

For your own account: godex-proxy login, then godex-proxy --api-key <key>.
Ctrl-C stops the demo.`;

export const demoCommand = async (host: CliHost, argv: readonly string[]): Promise<unknown> => {
  if (host.cli.startDemoBackend === undefined) {
    host.stderr("godex-proxy demo: this runtime entry has no bundled emulator: run the node, bun or deno entry");
    return host.exit(1);
  }
  let backend;
  try {
    backend = await host.cli.startDemoBackend();
  } catch (error) {
    host.stderr(`godex-proxy demo: cannot start the emulator (${error instanceof Error ? error.message : String(error)}): try again`);
    return host.exit(1);
  }
  const key = host.env.GODEX_PROXY_API_KEY || "demo-key";
  const listen = host.env.GODEX_PROXY_LISTEN || "127.0.0.1:39001";
  const started = await startProxy({
    ...host,
    argv: ["--listen", listen, "--api-key", key, "--base-url", backend.baseUrl, "--auth-path", backend.authPath, "--log-requests", ...argv],
  });
  if (started) host.stdout(demoHints(started.served.url.replace(/\/+$/, ""), key, backend.baseUrl));
  return started;
};
