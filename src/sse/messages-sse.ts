// The Anthropic dialect's stream stage (docs/anthropic.md "Stream"): every event as `event: <type>` + one `data:`
// line, no [DONE]; for stream: false the same reducer, its events folded into one Message.
import {
  createMessagesStreamState,
  finishMessagesEvents,
  foldMessagesEvents,
  type MessagesEvent,
  type MessagesMessage,
  type MessagesStreamOptions,
  stepMessagesEvents,
} from "../translate/upstream-to-messages.ts";
import { encodeEvent } from "./encode.ts";
import { trackTurn, type TurnReducer } from "./turn-reducer.ts";

/** The SSE text for a run of Anthropic events ("" for none). */
export const encodeMessagesEvents = (events: readonly MessagesEvent[]): string => {
  let text = "";
  for (const event of events) text += encodeEvent(event.type, event);
  return text;
};

/** The Messages stream stage for one response. */
export const createMessagesSse = (options: MessagesStreamOptions): TurnReducer => {
  const state = createMessagesStreamState(options);
  return trackTurn(
    (event) => encodeMessagesEvents(stepMessagesEvents(state, event)),
    () => encodeMessagesEvents(finishMessagesEvents(state)),
  );
};

/** The stream: false stage: nothing is written; `message()` folds the events (or throws the stream's ProxyError). */
export const createMessagesFold = (options: MessagesStreamOptions): TurnReducer & { message(): MessagesMessage } => {
  const state = createMessagesStreamState(options);
  const events: MessagesEvent[] = [];
  const reducer = trackTurn(
    (event) => (events.push(...stepMessagesEvents(state, event)), ""),
    () => (events.push(...finishMessagesEvents(state)), ""),
  );
  return { ...reducer, message: () => foldMessagesEvents(state, events) };
};
