// After a turn (spec §9.3): its outcome and usage onto the request record, and the tool calls of a completed
// response remembered under the session key, so a follow-up that sends only the outputs can be repaired.
import { isObject } from "../json.ts";
import type { Logger } from "../log.ts";
import type { RequestRecord } from "../request-record.ts";
import type { TerminalEvent } from "../schemas/upstream-event.ts";
import { finalOutput, type OutputState } from "../translate/collect-output.ts";
import { toRememberedCalls } from "./restore-tool-calls.ts";
import type { SessionCache } from "./session-cache.ts";

/** Records how the turn ended and remembers its calls; a cache failure is logged, never thrown. */
export const captureTurn = async (
  services: { cache: SessionCache; logger: Logger },
  sessionKey: string,
  output: OutputState,
  terminal: TerminalEvent | undefined,
  record: RequestRecord,
): Promise<void> => {
  if (!terminal) return;
  const response = terminal.type === "error" ? undefined : terminal.response;
  if (response && isObject(response.usage)) record.usage = response.usage;
  record.outcome = terminal.type.replace(/^response\./, "");
  if (terminal.type !== "response.completed") return;
  const calls = toRememberedCalls(finalOutput(output, response?.output));
  if (calls.length === 0) return;
  await services.cache.rememberCalls(sessionKey, calls).catch((error: unknown) => {
    services.logger.warn("could not remember the turn's tool calls", { error: String(error) });
  });
};
