// What a turn reads back from its dialect's stream stage once the upstream ended: the rebuilt output (for the
// tool-call memory, spec §9.3) and the terminal event (outcome, usage, the stream: false answer or error).
import { isTerminalEvent, type TerminalEvent, type UpstreamEvent } from "../schemas/upstream-event.ts";
import { collectOutput, createOutputState, type OutputState } from "../translate/collect-output.ts";
import type { FrameReducer } from "./relay.ts";

/** A dialect's frame reducer plus the output and terminal event of the response it translated. */
export interface TurnReducer extends FrameReducer {
  readonly output: OutputState;
  terminal(): TerminalEvent | undefined;
}

/** Wraps a dialect's step/finish with the output collection and terminal tracking every turn needs. */
export const trackTurn = (step: (event: UpstreamEvent, data: string) => string, finish: () => string): TurnReducer => {
  const output = createOutputState();
  let terminal: TerminalEvent | undefined;
  return {
    step(event, data) {
      collectOutput(output, event);
      if (terminal === undefined && isTerminalEvent(event)) terminal = event;
      return step(event, data);
    },
    finish,
    output,
    terminal: () => terminal,
  };
};
