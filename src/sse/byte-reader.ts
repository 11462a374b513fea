// How the relay, drainInto and peekUpstream read an upstream body: into one buffer, reused from read to read, where
// the body is a byte stream (Deno's and workerd's fetch bodies, checked here), else with a default reader (the Node
// entry's adapter; Bun 1.4.5's fetch body is not a byte stream either).
// A default reader of a Deno fetch body gets a fresh, zeroed 64 KiB buffer for every read, and the backend's
// chunked body gives one read per event: OBSERVED here (Deno 2.9.6, perf record through the bench's burst), zeroing
// those buffers was 12% of the Deno proxy's CPU, and they are garbage the collector then has to free.

/** A chunk from `read()` is valid until the next `read()`: the caller is done with its bytes before it reads again. */
export interface ByteReader {
  read(): Promise<ReadableStreamReadResult<Uint8Array>>;
  /** `chunk` (from `read()`) as bytes that stay valid after the next read: a copy only where the buffer is reused. */
  kept(chunk: Uint8Array): Uint8Array;
  cancel(reason?: unknown): Promise<void>;
  releaseLock(): void;
}

/** Bytes one read may take: a backend event is a few hundred bytes, `response.completed` a few KiB or more. */
const BUFFER_BYTES = 64 * 1024;

export const openByteReader = (stream: ReadableStream<Uint8Array>): ByteReader => {
  let byob: ReadableStreamBYOBReader;
  try {
    byob = stream.getReader({ mode: "byob" });
  } catch {
    // Not a byte stream: each chunk is the stream's own and stays as it is.
    return Object.assign(stream.getReader(), { kept: (chunk: Uint8Array) => chunk });
  }
  let buffer = new Uint8Array(BUFFER_BYTES);
  return {
    async read() {
      const result = await byob.read(buffer);
      // The read moved the buffer into the view it answered with; the next read reuses it whole.
      if (result.value !== undefined) buffer = new Uint8Array(result.value.buffer);
      return result.done ? { done: true, value: undefined } : { done: false, value: result.value };
    },
    kept: (chunk) => chunk.slice(),
    cancel: (reason) => byob.cancel(reason),
    releaseLock: () => byob.releaseLock(),
  };
};
