// Reads a byte stream whole, but never more than a limit: the request body reader and the gzip decompressor
// both hold a client's bytes to --body-limit this way.

/** The chunks as one array (the chunk itself when there is only one). */
export const concatBytes = (chunks: readonly Uint8Array[], size: number): Uint8Array => {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
};

/**
 * Every byte of `stream`; past `limit` bytes it is cancelled and `tooLarge()` is thrown. An abort of `signal` cancels
 * it too (the caller has given up on the rest: --body-timeout).
 */
export const readCapped = async (stream: ReadableStream<Uint8Array>, limit: number, tooLarge: () => Error, signal?: AbortSignal): Promise<Uint8Array> => {
  const reader = stream.getReader();
  signal?.addEventListener("abort", () => void reader.cancel().catch(() => undefined), { once: true });
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return concatBytes(chunks, size);
};
