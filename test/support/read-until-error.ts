// Reading a body that must break off: what arrived before the error, and the error. Fails if the body ends cleanly.
import assert from "node:assert/strict";

export const readUntilError = async (body: ReadableStream<Uint8Array>): Promise<{ text: string; error: unknown }> => {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (error) {
      return { text: text + decoder.decode(), error };
    }
    if (chunk.done) assert.fail(`the body ended without an error after: ${text.slice(-300)}`);
    text += decoder.decode(chunk.value, { stream: true });
  }
};
