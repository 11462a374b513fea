// A stand-in upstream that answers every call with a recorded transcript, for byte-exact golden tests
// (the emulator mints fresh ids, the fixtures do not). Records the bodies the proxy sent.
import { readFixtureBytes } from "./read-fixture.ts";

export interface FixtureUpstream {
  fetch: typeof fetch;
  /** Parsed upstream bodies, in order. */
  bodies: Record<string, unknown>[];
  /** The transcript the next call answers with (`codex/<name>.sse`). */
  next(name: string, chunkSize?: number): void;
}

/** Splits bytes into chunks of `size` (or one chunk), each enqueued separately. */
export const toChunkedStream = (bytes: Uint8Array, cuts: readonly number[]): ReadableStream<Uint8Array> => {
  const points = [0, ...cuts.filter((c) => c > 0 && c < bytes.length), bytes.length];
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i + 1 >= points.length) return controller.close();
      controller.enqueue(bytes.slice(points[i], points[i + 1]));
      i += 1;
    },
  });
};

export const createFixtureUpstream = (): FixtureUpstream => {
  const queue: { name: string; chunkSize?: number }[] = [];
  const bodies: Record<string, unknown>[] = [];
  const fetchFixture = async (_input: RequestInfo | URL, init?: RequestInit) => {
    bodies.push(JSON.parse(String(init?.body)));
    const next = queue.shift();
    if (!next) throw new Error("fixture upstream: no transcript queued");
    const bytes = readFixtureBytes(`codex/${next.name}.sse`);
    const cuts = next.chunkSize ? Array.from({ length: Math.ceil(bytes.length / next.chunkSize) }, (_, k) => k * next.chunkSize!) : [];
    return new Response(toChunkedStream(bytes, cuts), { headers: { "content-type": "text/event-stream" } });
  };
  return { fetch: fetchFixture as typeof fetch, bodies, next: (name, chunkSize) => void queue.push({ name, chunkSize }) };
};
