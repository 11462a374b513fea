// `npm run demo`: the proxy on 127.0.0.1:39001 in front of the bundled backend emulator, with a throwaway
// auth.json; prints a ready curl and the OpenClaw provider config; Ctrl-C stops everything.
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEmulator } from "../emulator/index.ts";
import { serveEmulator } from "./serve-emulator.ts";

const KEY = process.env.GODEX_PROXY_API_KEY ?? "demo-key";
const LISTEN = process.env.GODEX_PROXY_LISTEN ?? "127.0.0.1:39001";
const dir = mkdtempSync(join(tmpdir(), "godex-demo-"));
copyFileSync(new URL("../fixtures/codex/auth.json", import.meta.url), join(dir, "auth.json"));
const served = await serveEmulator(createEmulator());

const child = spawn(
  process.execPath,
  ["--import", "tsx", "runtimes/node.ts", "--listen", LISTEN, "--api-key", KEY, "--base-url", served.baseUrl,
    "--auth-path", join(dir, "auth.json"), "--log-requests", ...process.argv.slice(2)],
  { stdio: ["ignore", "pipe", "inherit"] },
);
let stopping = false;
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  child.kill("SIGTERM");
  await served.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(code);
};
child.on("exit", (code) => void stop(code ?? 1));
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));

child.stdout?.on("data", (chunk: Buffer) => {
  process.stdout.write(chunk);
  const url = /listening on (http:\/\/\S+?)\/?\s/.exec(chunk.toString())?.[1];
  if (!url) return;
  process.stdout.write(`
Demo: the proxy at ${url} talks to a local emulator of the Codex backend (${served.baseUrl}),
so nothing leaves this machine and answers are scripted ("hello"; "CALL_TOOL <name> <json>" calls a tool).

Try it:
  curl -s ${url}/v1/models -H 'Authorization: Bearer ${KEY}'
  curl -sN ${url}/v1/chat/completions -H 'Authorization: Bearer ${KEY}' -H 'Content-Type: application/json' \\
    -d '{"model":"gpt-5.2-codex","stream":true,"messages":[{"role":"user","content":"Say hello"}]}'

OpenClaw provider config (json5):
  models: { mode: "replace", providers: { godex: {
    baseUrl: "${url}/v1", apiKey: "${KEY}", api: "openai-responses",
    models: [{ id: "gpt-5.2-codex", name: "GPT-5.2 Codex via godex" }] } } },
  agents: { defaults: { model: { primary: "godex/gpt-5.2-codex" } } },

Ctrl-C stops the demo.
`);
});
