// Last stage of every SSE response: comment frames during upstream silence, made in pull() so they never
// queue ahead of the reader, and the owner of cancel() (STYLE.md "Streams"; spec §5.9).
import { KEEP_ALIVE_FRAME } from "./encode.ts";

const KEEP_ALIVE_BYTES = new TextEncoder().encode(KEEP_ALIVE_FRAME);

export interface KeepAliveOptions {
  intervalMs: number;
  /** Called once: "done" when the source ended, "cancel" when the client went away. */
  onEnd?: (how: "done" | "cancel") => void;
}

/** Re-exposes `source`, inserting `: keep-alive` after `intervalMs` without a chunk. */
export const withKeepAlive = (source: ReadableStream<Uint8Array>, options: KeepAliveOptions): ReadableStream<Uint8Array> => {
  const reader = source.getReader();
  let pending: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;
  let ended = false;
  const end = (how: "done" | "cancel") => {
    if (ended) return;
    ended = true;
    options.onEnd?.(how);
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        pending ??= reader.read();
        let timer: ReturnType<typeof setTimeout> | undefined;
        const tick = new Promise<"tick">((resolve) => {
          timer = setTimeout(() => resolve("tick"), options.intervalMs);
        });
        try {
          const result = await Promise.race([pending, tick]);
          if (result === "tick") {
            controller.enqueue(KEEP_ALIVE_BYTES);
            return;
          }
          pending = undefined;
          if (result.done) {
            controller.close();
            end("done");
          } else {
            controller.enqueue(result.value);
          }
        } catch (error) {
          controller.error(error);
          end("done");
        } finally {
          clearTimeout(timer);
        }
      },
      async cancel(reason) {
        end("cancel");
        await reader.cancel(reason).catch(() => undefined);
      },
    },
    { highWaterMark: 0 },
  );
};
