// Anthropic Messages goldens (issue 17 item 8): request fixtures → upstream drafts, Codex transcripts → Anthropic
// SSE bytes and Message objects, and every transcript split at every byte offset through the real relay.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { OPEN_FRAME } from "../src/sse/encode.ts";
import { createSseRelay } from "../src/sse/relay.ts";
import { encodeMessagesEvents } from "../src/sse/messages-sse.ts";
import { createMessagesStreamState, finishMessagesEvents, stepMessagesEvents } from "../src/translate/upstream-to-messages.ts";
import { foldTranscript, MESSAGE_GOLDENS, reduceTranscript, STREAM_GOLDENS, translateFixture } from "./support/anthropic-goldens.ts";
import { toChunkedStream } from "./support/fixture-upstream.ts";
import { readFixtureBytes, readFixtureJson, readFixtureText } from "./support/read-fixture.ts";

const REQUESTS = ["text", "tool-round-trip", "parallel-tools", "thinking", "image", "pdf", "mid-conversation-system", "billing-header"];

/** The transcript through createSseRelay, cut into chunks at `cuts`, as the client's bytes (the relay's opening comment first). */
const relayTranscript = (name: string, cuts: number[]): Promise<string> => {
  const state = createMessagesStreamState({ id: "msg_fixture", model: "claude-sonnet-4-5", thinking: STREAM_GOLDENS[name] ?? "off" });
  const body = createSseRelay(
    toChunkedStream(readFixtureBytes(`codex/${name}.sse`), cuts),
    { step: (event) => encodeMessagesEvents(stepMessagesEvents(state, event)), finish: () => encodeMessagesEvents(finishMessagesEvents(state)) },
    { keepAliveMs: 60_000 },
  );
  return new Response(body).text();
};

describe("Messages → Codex request goldens", () => {
  for (const name of REQUESTS) {
    test(`${name}.request.json translates to ${name}.expected-upstream.json`, () => {
      assert.deepEqual(translateFixture(name), readFixtureJson(`anthropic/${name}.expected-upstream.json`));
    });
  }
});

describe("Codex stream → Anthropic events goldens", () => {
  for (const name of Object.keys(STREAM_GOLDENS)) {
    test(`${name}.sse gives the bytes of ${name}.messages-stream.sse`, async () => {
      const golden = readFixtureText(`anthropic/${name}.messages-stream.sse`);
      assert.equal(encodeMessagesEvents(reduceTranscript(name).events), golden);
      assert.equal(await relayTranscript(name, []), OPEN_FRAME + golden, "through the relay in one chunk");
    });
  }
  for (const name of MESSAGE_GOLDENS) {
    test(`${name}.sse folded for stream:false equals ${name}.message.json`, () => {
      assert.deepEqual(foldTranscript(name), readFixtureJson(`anthropic/${name}.message.json`));
    });
  }

  for (const name of ["reasoning-text", "tolerant-framing", "failed-rate-limit"]) {
    test(`${name}.sse split at every byte offset through the relay gives the same bytes`, async () => {
      const golden = readFixtureText(`anthropic/${name}.messages-stream.sse`);
      const length = readFixtureBytes(`codex/${name}.sse`).length;
      for (let cut = 1; cut < length; cut++) {
        const text = await relayTranscript(name, [cut]);
        if (text !== OPEN_FRAME + golden) assert.equal(text, OPEN_FRAME + golden, `split at byte ${cut}`);
      }
    });
  }
});
