// Prompt-cache stability (issue 19 item 5): 10-turn conversations through the Node entry (dist/node.js) for each
// client shape, against the bench emulator, whose cached_tokens are the longest prefix shared with the recent
// requests of the prompt_cache_key (test/emulator/README.md). Prints, per shape and turn, the share of the previous
// turn's input that this turn found cached (target: >= 99% on every turn). Deterministic; loopback only.
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { started, startEmulatorProcess } from "./_process.ts";
import { chatConversation, messagesConversation, prefixHits, responsesConversation, type Post, type TurnUsage } from "../test/support/prompt-cache-turns.ts";

type Json = Record<string, any>;
const KEY = "bench-key";
const TURNS = 10;
const LITE = "test/fixtures/codex-cli-0.169/lite-gpt-5.6-sol.turn1.request.json";

/** The official CLI's Responses Lite shape: its captured turn 1, then output items (ids and all) resent as streamed. */
const liteConversation = async (url: string, turns: number): Promise<TurnUsage[]> => {
  const fixture = JSON.parse(readFileSync(LITE, "utf8")) as { headers: Record<string, string>; body: Json };
  const headers = Object.fromEntries(Object.entries(fixture.headers).filter(([name]) => !["authorization", "content-length"].includes(name)));
  const body = structuredClone(fixture.body);
  const userText = (i: number) => (i % 2 === 0 ? `Turn ${i}: CALL_TOOL wait {"cell_id": "${i}"}` : `Turn ${i}: thanks, go on.`);
  body.input.push({ type: "message", role: "user", content: [{ type: "input_text", text: userText(0) }] });
  const usage: TurnUsage[] = [];
  for (let i = 0; i < turns; i += 1) {
    const response = await fetch(`${url}/v1/responses`, {
      method: "POST",
      headers: { ...headers, authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`lite turn ${i}: HTTP ${response.status} ${text}`);
    const events = text
      .split("\n")
      .filter((line) => line.startsWith("data: {"))
      .map((line) => JSON.parse(line.slice(6)) as Json);
    const output = events.filter((e) => e.type === "response.output_item.done").map((e) => e.item as Json);
    const completed = events.find((e) => e.type === "response.completed") as Json;
    usage.push({ input: completed.response.usage.input_tokens, cached: completed.response.usage.input_tokens_details.cached_tokens });
    body.input.push(...output);
    const calls = output.filter((item) => item.type === "function_call");
    if (calls.length > 0) for (const call of calls) body.input.push({ type: "function_call_output", call_id: call.call_id, output: "wait: done" });
    else body.input.push({ type: "message", role: "user", content: [{ type: "input_text", text: userText(i + 1) }] });
  }
  return usage;
};

const emulator = await startEmulatorProcess();
const dir = mkdtempSync(join(tmpdir(), "godex-bench-cache-"));
copyFileSync("test/fixtures/codex/auth.json", join(dir, "auth.json"));
const proxy = spawn(
  process.execPath,
  ["dist/node.js", "--listen", "127.0.0.1:0", "--api-key", KEY, "--auth-path", join(dir, "auth.json"), "--base-url", emulator.baseUrl, "--log-level", "warn"],
  { stdio: ["ignore", "pipe", "pipe"] },
);
try {
  const url = (await started(proxy, /listening on (http:\/\/\S+?)\/?(\s|$)/))[1] as string;
  const post: Post = async (path, body) => {
    const response = await fetch(`${url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "x-api-key": KEY, "anthropic-version": "2023-06-01", "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const json = (await response.json()) as Json;
    if (response.status !== 200) throw new Error(`${path}: HTTP ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  const shapes: [string, () => Promise<TurnUsage[]>][] = [
    ["chat completions, tools (openai SDK history)", () => chatConversation(post, TURNS, "bench-chat")],
    ["responses, tools + reasoning replay", () => responsesConversation(post, TURNS, "bench-responses")],
    ["official Codex CLI 0.169, Lite shape", () => liteConversation(url, TURNS)],
    ["messages (Anthropic), tool_use/tool_result", () => messagesConversation(post, TURNS, "bench-messages")],
    ["chat, a system message added at turn 4", () => chatConversation(post, TURNS, "bench-chat-reminder", { reminderAt: 3 })],
    ["responses, a developer message added at turn 4", () => responsesConversation(post, TURNS, "bench-responses-reminder", { reminderAt: 3 })],
    ["messages, a system message added at turn 4 (Claude Code)", () => messagesConversation(post, TURNS, "bench-messages-reminder", { reminderAt: 3 })],
  ];
  const rows: string[] = [];
  for (const [name, run] of shapes) {
    const turns = await run();
    const hits = prefixHits(turns);
    const cells = hits.map((hit) => `${(hit * 100).toFixed(1)}%`);
    rows.push(`| ${name} | ${turns[0]?.input} → ${turns.at(-1)?.input} | ${cells.join(" | ")} | ${(Math.min(...hits) * 100).toFixed(1)}% |`);
  }
  const turnHeads = Array.from({ length: TURNS - 1 }, (_, i) => `turn ${i + 2}`);
  process.stdout.write(
    `\nPrompt-cache prefix hits: cached_tokens of each turn / input_tokens of the turn before (target >= 99%), ${TURNS} turns, Node entry\n\n` +
      `| client shape | input tokens, turn 1 → ${TURNS} | ${turnHeads.join(" | ")} | min |\n|---|---|${turnHeads.map(() => "---|").join("")}---|\n${rows.join("\n")}\n`,
  );
} finally {
  proxy.kill("SIGTERM");
  emulator.child.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
}
