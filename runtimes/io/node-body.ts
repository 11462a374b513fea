// The Node entry's request-body reader (ClientInfo.readBody): the incoming message's chunks, collected directly.
// srvx's web `request.body` / `arrayBuffer()` build a Readable.toWeb stream and an undici Request first, which
// cost about 0.6 ms per request here.
import type { Readable } from "node:stream";

/** All of `message`'s body, or "too-large" as soon as more than `limit` bytes arrived (the rest is not read). */
export const readNodeBody = (message: Readable, limit: number): Promise<Uint8Array | "too-large"> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanUp = () => {
      message.off("data", onData);
      message.off("end", onEnd);
      message.off("error", onError);
      message.off("close", onClose);
    };
    function onData(chunk: Buffer) {
      size += chunk.length;
      if (size > limit) {
        cleanUp();
        message.pause();
        resolve("too-large");
        return;
      }
      chunks.push(chunk);
    }
    function onEnd() {
      cleanUp();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    }
    function onError(error: Error) {
      cleanUp();
      reject(error);
    }
    function onClose() {
      cleanUp();
      reject(new Error("the client closed the request before its body ended"));
    }
    message.on("data", onData).once("end", onEnd).once("error", onError).once("close", onClose);
  });
