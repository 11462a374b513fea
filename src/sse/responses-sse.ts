// The /v1/responses dialect's stream stage (spec §8.6, clients.md §5.A): upstream events → `event:` + `data:`
// frames, passed on as the bytes they came in whenever the proxy changed nothing, then `data: [DONE]`; for
// stream: false the same reducer, and the terminal response is the answer.
import { isObject, type JsonObject } from "../json.ts";
import { outputText } from "../translate/collect-output.ts";
import { toProxyErrorFromFailure } from "../translate/map-failure.ts";
import {
  createResponsesStreamState,
  finishResponsesEvents,
  type ResponsesEvent,
  type ResponsesStreamOptions,
  stepResponsesEvents,
} from "../translate/upstream-to-responses.ts";
import { DONE_FRAME, encodeEvent } from "./encode.ts";
import type { TurnReducer } from "./turn-reducer.ts";

/** Event names that can go on an `event:` line as they are. */
const PLAIN_TYPE = /^[\w.-]+$/;

const encodeAll = (events: readonly ResponsesEvent[]): string => {
  let text = "";
  for (const event of events) text += encodeEvent(event.type, event);
  return text;
};

/** The Responses stream stage for one response. */
export const createResponsesSse = (options: ResponsesStreamOptions): TurnReducer => {
  const state = createResponsesStreamState(options);
  return {
    step(event, data) {
      const events = stepResponsesEvents(state, event);
      const only = events.length === 1 ? events[0] : undefined;
      // The common case: an event the proxy did not change goes out as the bytes it came in (one-line JSON).
      if (only !== undefined && !state.touched && PLAIN_TYPE.test(only.type) && !data.includes("\n")) return `event: ${only.type}\ndata: ${data}\n\n`;
      return encodeAll(events);
    },
    finish: () => encodeAll(finishResponsesEvents(state)) + DONE_FRAME,
    output: state.output,
    terminal: () => state.terminal,
  };
};

/** The stream: false stage: nothing is written; `response()` is the finished Response object (or throws its ProxyError). */
export const createResponsesFold = (options: ResponsesStreamOptions): TurnReducer & { response(): JsonObject } => {
  const state = createResponsesStreamState(options);
  return {
    step: (event) => (stepResponsesEvents(state, event), ""),
    finish: () => (finishResponsesEvents(state), ""),
    output: state.output,
    terminal: () => state.terminal,
    response() {
      const terminal = state.terminal;
      if (!terminal || (terminal.type !== "response.completed" && terminal.type !== "response.incomplete") || !isObject(terminal.response)) {
        throw toProxyErrorFromFailure(terminal ?? null);
      }
      const response = terminal.response;
      const output = Array.isArray(response.output) ? response.output.filter(isObject) : [];
      return { ...response, output, output_text: outputText(output) };
    },
  };
};
