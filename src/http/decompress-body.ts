// Compressed client request bodies (issue 16 item 6): `Content-Encoding: zstd` (the Codex CLI compresses its
// bodies so for a provider named `OpenAI`, docs/backend.md §13 [REPORTED]) and `gzip`. The body limit applies to
// the decompressed size, so a decompression bomb stops at the limit with a 413; an unknown coding is a 415.
// zstd comes from fzstd (pure JS): DecompressionStream has no "zstd" on Node 20 or Deno 2.9 (Bun 1.4 has it).
import { Decompress } from "fzstd";
import { ProxyError, badRequest } from "../errors.ts";
import { concatBytes, readCapped } from "./read-capped.ts";

export type ContentCoding = "gzip" | "zstd";

const CODINGS: Record<string, ContentCoding | "identity"> = { identity: "identity", gzip: "gzip", "x-gzip": "gzip", zstd: "zstd" };

/** Feeds zstd input in slices of this size, so output is checked against the limit every block or so. */
const ZSTD_SLICE = 64 * 1024;

export const decompressedTooLarge = (limit: number) =>
  new ProxyError("payload_too_large", {
    message: `Request body is larger than the ${limit}-byte limit (--body-limit) once decompressed.`,
    code: "request_too_large",
  });

/**
 * The codings of a `Content-Encoding` header in the order they were applied (`identity` dropped), or a 415 naming
 * the one this proxy cannot undo.
 */
export const parseContentEncoding = (header: string | null): ContentCoding[] => {
  if (header === null) return [];
  const codings: ContentCoding[] = [];
  for (const raw of header.split(",")) {
    const name = raw.trim().toLowerCase();
    if (name === "") continue;
    const coding = CODINGS[name];
    if (coding === undefined) {
      throw new ProxyError("unsupported_media_type", {
        message: `Unsupported Content-Encoding "${name.slice(0, 40)}": send the body uncompressed, or compressed with zstd or gzip.`,
        code: "unsupported_content_encoding",
      });
    }
    if (coding !== "identity") codings.push(coding);
  }
  return codings;
};

const undecodable = (coding: ContentCoding) =>
  badRequest(`The request body is not valid ${coding} data (Content-Encoding: ${coding}).`, null, "invalid_content_encoding");

/** Marks the limit being hit inside fzstd's callback. */
class OverLimit extends Error {}

const unzstd = (bytes: Uint8Array, limit: number): Uint8Array => {
  const chunks: Uint8Array[] = [];
  let size = 0;
  let ended = false;
  const decoder = new Decompress((data, final) => {
    size += data.byteLength;
    if (size > limit) throw new OverLimit();
    // fzstd reuses its window buffer for later blocks, so keep a copy.
    chunks.push(data.slice());
    if (final) ended = true;
  });
  try {
    for (let at = 0; at < bytes.byteLength; at += ZSTD_SLICE) {
      const end = Math.min(at + ZSTD_SLICE, bytes.byteLength);
      decoder.push(bytes.subarray(at, end), end === bytes.byteLength);
    }
  } catch (error) {
    if (error instanceof OverLimit) throw decompressedTooLarge(limit);
    throw undecodable("zstd");
  }
  if (!ended && bytes.byteLength > 0 && size === 0) throw undecodable("zstd");
  return concatBytes(chunks, size);
};

const gunzip = async (bytes: Uint8Array, limit: number): Promise<Uint8Array> => {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream("gzip"));
  try {
    return await readCapped(stream, limit, () => decompressedTooLarge(limit));
  } catch (error) {
    if (error instanceof ProxyError) throw error;
    throw undecodable("gzip");
  }
};

/** Undoes `codings` (last applied first); every step's output is held to `limit` bytes. */
export const decompressBody = async (bytes: Uint8Array, codings: readonly ContentCoding[], limit: number): Promise<Uint8Array> => {
  let out = bytes;
  for (const coding of [...codings].reverse()) out = coding === "zstd" ? unzstd(out, limit) : await gunzip(out, limit);
  return out;
};
