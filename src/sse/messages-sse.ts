// Anthropic SSE framing (docs/anthropic.md "Stream"): every event as `event: <type>` + one `data:` line, no [DONE].
import type { MessagesEvent } from "../translate/upstream-to-messages.ts";
import { encodeEvent } from "./encode.ts";

/** The SSE text for a run of Anthropic events ("" for none). */
export const encodeMessagesEvents = (events: readonly MessagesEvent[]): string => {
  let text = "";
  for (const event of events) text += encodeEvent(event.type, event);
  return text;
};
