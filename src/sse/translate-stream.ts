// The TransformStream shell that drives a reducer: one upstream event in, encoded frames out; flush at EOF.
import type { JsonObject } from "../translate/collect-output.ts";

export interface FrameReducer {
  /** Encoded SSE text for one upstream event ("" for nothing). */
  step(event: JsonObject): string;
  /** Encoded SSE text at upstream EOF (a synthesized failure when no terminal event came). */
  finish(): string;
}

export const createTranslateStream = (reducer: FrameReducer): TransformStream<JsonObject, string> =>
  new TransformStream<JsonObject, string>({
    transform(event, controller) {
      const text = reducer.step(event);
      if (text !== "") controller.enqueue(text);
    },
    flush(controller) {
      const text = reducer.finish();
      if (text !== "") controller.enqueue(text);
    },
  });
