// Upstream terminal event → chat `finish_reason` (docs/backend.md §8.4, clients.md §5.B.4). Pure.
import { exhaustive } from "../exhaustive.ts";
import { isObject } from "../json.ts";
import type { TerminalEvent } from "../schemas/upstream-event.ts";

export type ChatFinishReason = "stop" | "tool_calls" | "length" | "content_filter";

/**
 * The finish_reason for a terminal event: `tool_calls` when the completed response held a function
 * call, `length` / `content_filter` for `response.incomplete`, else `stop`; `null` for failures and
 * for events that do not end a response.
 */
export const mapFinishReason = (terminal: TerminalEvent, hasToolCalls: boolean): ChatFinishReason | null => {
  switch (terminal.type) {
    case "response.completed":
      return hasToolCalls ? "tool_calls" : "stop";
    case "response.incomplete": {
      const details = isObject(terminal.response?.incomplete_details) ? terminal.response.incomplete_details : {};
      // max_output_tokens, max_tokens and any reason we do not know all read as "cut short" (§8.4).
      return details.reason === "content_filter" ? "content_filter" : "length";
    }
    case "response.failed":
    case "error":
      return null;
    default:
      return exhaustive(terminal);
  }
};
