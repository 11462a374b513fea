// SSE framing of what the proxy sends (spec §8.3, §8.6): `event:` + `data:` for Responses, `data:` only for chat.

/** The end marker both APIs send last (godex compatibility, spec §8.6). */
export const DONE_FRAME = "data: [DONE]\n\n";
/** Sent while the upstream is silent so idle timeouts do not cut the stream (spec §5.9). */
export const KEEP_ALIVE_FRAME = ": keep-alive\n\n";
/** The first bytes of every SSE response, so the runtime writes the status line at once (red team D14). */
export const OPEN_FRAME = ": ok\n\n";

/** `event: <type>\ndata: <json>\n\n`; the type never holds a newline (it comes from our own JSON). */
export const encodeEvent = (type: string, data: unknown): string => `event: ${type.replace(/[\r\n]/g, "")}\ndata: ${JSON.stringify(data)}\n\n`;

/** `data: <json>\n\n` (JSON.stringify never emits a raw newline, so one data line suffices). */
export const encodeData = (data: unknown): string => `data: ${JSON.stringify(data)}\n\n`;

export const SSE_HEADERS = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" } as const;
