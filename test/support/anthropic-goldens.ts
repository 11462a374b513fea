// Regenerates the Anthropic translation goldens in test/fixtures/anthropic/ from the request fixtures there and the
// Codex transcripts in test/fixtures/codex/: `tsx test/support/anthropic-goldens.ts`. Review the diff before committing.
import { readdirSync, writeFileSync } from "node:fs";
import { parseClaudeModels, DEFAULT_CLAUDE_MODELS } from "../../src/models/claude-models.ts";
import { countTokensRequestSchema } from "../../src/schemas/messages-request.ts";
import { encodeMessagesEvents } from "../../src/sse/messages-sse.ts";
import { toUpstreamFromMessages } from "../../src/translate/messages-to-upstream.ts";
import { toAnthropicError } from "../../src/translate/messages-errors.ts";
import { isProxyError } from "../../src/errors.ts";
import { createUpstreamDecoder } from "../../src/sse/decode-upstream.ts";
import {
  createMessagesStreamState,
  finishMessagesEvents,
  foldMessagesEvents,
  stepMessagesEvents,
  type MessagesEvent,
} from "../../src/translate/upstream-to-messages.ts";
import type { ThinkingOutput } from "../../src/translate/messages-to-upstream.ts";
import { readFixtureBytes, readFixtureJson } from "./read-fixture.ts";

const dir = new URL("../fixtures/anthropic/", import.meta.url);
export const GOLDEN_MODEL = "gpt-5.4";
export const GOLDEN_TABLE = parseClaudeModels(DEFAULT_CLAUDE_MODELS) as Exclude<ReturnType<typeof parseClaudeModels>, string>;

/** Transcript → the thinking mode its golden uses. */
export const STREAM_GOLDENS: Readonly<Record<string, ThinkingOutput>> = {
  text: "off",
  minimal: "off",
  "text-then-tool": "summarized",
  "tool-call": "omitted",
  "tool-then-text": "off",
  "parallel-tool-calls": "off",
  "reasoning-text": "summarized",
  "completed-with-output": "off",
  incomplete: "off",
  "failed-context-length": "off",
  "failed-rate-limit": "off",
  "error-event": "off",
  truncated: "off",
  "tolerant-framing": "off",
};
/** Transcripts that also get a stream:false golden (a Message object, or the error a failed fold renders). */
export const MESSAGE_GOLDENS = ["text", "tool-call", "parallel-tool-calls", "reasoning-text", "incomplete", "failed-context-length", "failed-rate-limit"];

export const translateFixture = (name: string) => {
  const body = countTokensRequestSchema.parse(readFixtureJson(`anthropic/${name}.request.json`));
  const { draft, instructions, requestedModel, thinking } = toUpstreamFromMessages(body, { model: GOLDEN_MODEL, claudeModels: GOLDEN_TABLE });
  return { requestedModel, thinking, instructions, draft };
};

/** All Anthropic events for a transcript, fed in one piece. */
export const reduceTranscript = (name: string) => {
  const state = createMessagesStreamState({ id: "msg_fixture", model: "claude-sonnet-4-5", thinking: STREAM_GOLDENS[name] ?? "off" });
  const events: MessagesEvent[] = [];
  const decoder = createUpstreamDecoder((event) => events.push(...stepMessagesEvents(state, event)));
  decoder.feed(readFixtureBytes(`codex/${name}.sse`));
  decoder.end();
  events.push(...finishMessagesEvents(state));
  return { state, events };
};

export const foldTranscript = (name: string): unknown => {
  const { state, events } = reduceTranscript(name);
  try {
    return foldMessagesEvents(state, events);
  } catch (error) {
    if (!isProxyError(error)) throw error;
    const rendered = toAnthropicError(error);
    return { status: rendered.status, headers: rendered.headers, body: rendered.body };
  }
};

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".request.json"))) {
    const name = file.replace(/\.request\.json$/, "");
    writeFileSync(new URL(`${name}.expected-upstream.json`, dir), `${JSON.stringify(translateFixture(name), null, 2)}\n`);
  }
  for (const name of Object.keys(STREAM_GOLDENS)) {
    writeFileSync(new URL(`${name}.messages-stream.sse`, dir), encodeMessagesEvents(reduceTranscript(name).events));
  }
  for (const name of MESSAGE_GOLDENS) writeFileSync(new URL(`${name}.message.json`, dir), `${JSON.stringify(foldTranscript(name), null, 2)}\n`);
}
