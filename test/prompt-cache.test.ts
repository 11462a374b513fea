// Prompt-cache stability (issue 19 item 5) through the real entry on a socket: over 10 turns of a chat client and of
// a stateless /v1/responses client with reasoning replay, each turn's cached_tokens (emulator: longest shared prefix
// under the prompt_cache_key, test/emulator/README.md) cover at least 99% of the previous turn's input.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEmulator, type Emulator } from "./emulator/index.ts";
import { chatConversation, messagesConversation, prefixHits, responsesConversation, type Post } from "./support/prompt-cache-turns.ts";
import { RUNTIME } from "./support/runtime.ts";
import { serveEmulator, type ServedEmulator } from "./support/serve-emulator.ts";
import { spawnProxy, type SpawnedProxy } from "./support/spawn-proxy.ts";

const KEY = "prompt-cache-key";

describe(`prompt-cache prefix over 10 turns on ${RUNTIME}`, () => {
  let dir: string;
  let emulator: Emulator;
  let served: ServedEmulator;
  let proxy: SpawnedProxy;
  const post: Post = async (path, body) => {
    const response = await fetch(`${proxy.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "x-api-key": KEY, "anthropic-version": "2023-06-01", "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const json = (await response.json()) as Record<string, any>;
    assert.equal(response.status, 200, JSON.stringify(json));
    return json;
  };
  const assertPrefix = (label: string, hits: number[]) => {
    assert.equal(hits.length, 9);
    hits.forEach((hit, i) => assert.ok(hit >= 0.99, `${label}: turn ${i + 2} found ${(hit * 100).toFixed(1)}% of turn ${i + 1}'s input cached`));
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "godex-prompt-cache-"));
    copyFileSync("test/fixtures/codex/auth.json", join(dir, "auth.json"));
    emulator = createEmulator();
    served = await serveEmulator(emulator);
    proxy = await spawnProxy(["--api-key", KEY, "--auth-path", join(dir, "auth.json"), "--base-url", served.baseUrl]);
  });
  after(async () => {
    await proxy?.stop("SIGKILL");
    await served?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("chat completions with tool calls and tool results resent", async () => {
    const turns = await chatConversation(post, 10, "chat-user");
    assert.ok(emulator.calls.some((call) => call.scenario === "tool-call") && emulator.calls.some((call) => call.scenario === "tool-then-text"));
    assertPrefix("chat", prefixHits(turns));
  });

  test("responses with tools and reasoning replay (encrypted reasoning, function_call, function_call_output)", async () => {
    const turns = await responsesConversation(post, 10, "responses-session");
    const last = emulator.calls.at(-1)?.body as Record<string, any>;
    assert.ok(
      last.input.some((item: Record<string, unknown>) => item.type === "reasoning" && typeof item.encrypted_content === "string"),
      "reasoning replayed",
    );
    assertPrefix("responses", prefixHits(turns));
  });

  // A system or developer message that arrives mid-conversation stays in place (a developer item), instead of
  // joining `instructions`, where it changed the first bytes of the request and lost the whole cached prefix.
  test("chat with a system message added at turn 4", async () => {
    const turns = await chatConversation(post, 10, "chat-reminder", { reminderAt: 3 });
    const last = emulator.calls.at(-1)?.body as Record<string, any>;
    assert.ok(
      last.input.some((item: Record<string, unknown>) => item.role === "developer"),
      "the reminder went as a developer item",
    );
    assertPrefix("chat + reminder", prefixHits(turns));
  });

  test("responses with a developer message added at turn 4", async () => {
    assertPrefix("responses + reminder", prefixHits(await responsesConversation(post, 10, "responses-reminder", { reminderAt: 3 })));
  });

  test("messages with a system message added at turn 4 (Claude Code's mid-conversation system)", async () => {
    assertPrefix("messages + reminder", prefixHits(await messagesConversation(post, 10, "messages-reminder", { reminderAt: 3 })));
  });
});
