// Request headers a client may send (issue 18 item 3): at most MAX_HEADER_COUNT fields and MAX_HEADER_BYTES of names
// and values, or a 431 in the client's dialect. Set below every entry's own cut-off (docs/security.md "Limits on
// headers, body time and calls": Node and Bun refuse a head over 16 KiB, Deno more than 128 fields) so each answers alike.
import { ProxyError } from "../errors.ts";

/** Most header fields read (distinct names, as the runtime hands them over); Claude Code and the Codex CLI send under 30. */
export const MAX_HEADER_COUNT = 100;
/** Most bytes of header names plus values read (12 KiB); real clients send under 4 KiB. */
export const MAX_HEADER_BYTES = 12 * 1024;

const tooLarge = (message: string) => new ProxyError("request_header_fields_too_large", { message, code: "request_header_fields_too_large" });

/** Throws a 431 when `headers` has more fields or bytes than the limits above. */
export const checkHeaderLimits = (headers: Headers): void => {
  let count = 0;
  let bytes = 0;
  for (const [name, value] of headers) {
    count += 1;
    // UTF-16 length: header text is Latin-1 on the wire, so one unit is one byte.
    bytes += name.length + value.length;
  }
  if (count > MAX_HEADER_COUNT) {
    throw tooLarge(
      `The request has ${count} header fields, more than this proxy's limit of ${MAX_HEADER_COUNT}: send fewer headers (a proxy in front may be adding them).`,
    );
  }
  if (bytes > MAX_HEADER_BYTES) {
    throw tooLarge(
      `The request's headers are ${bytes} bytes, more than this proxy's limit of ${MAX_HEADER_BYTES}: send smaller headers (large cookies or tokens are the usual cause).`,
    );
  }
};
