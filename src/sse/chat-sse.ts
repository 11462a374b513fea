// The chat dialect's stream stage (spec §8.3, clients.md §5.B): upstream events → `data:` chunk frames and the
// final `data: [DONE]`; for stream: false the same reducer folded into one `chat.completion`.
import { type ChatFrame, type ChatChunkOptions, createChatChunkState, finishChatChunks, stepChatChunks } from "../translate/upstream-to-chat-chunks.ts";
import { type ChatCompletion, type ChatCompletionOptions, createChatCompletionFold } from "../translate/upstream-to-chat-completion.ts";
import { DONE_FRAME, encodeData } from "./encode.ts";
import { trackTurn, type TurnReducer } from "./turn-reducer.ts";

/** `data: <json>` per chunk, `data: [DONE]` for the end marker (spec §8.3 framing). */
export const encodeChatFrames = (frames: readonly ChatFrame[]): string => {
  let text = "";
  for (const frame of frames) text += frame === "[DONE]" ? DONE_FRAME : encodeData(frame);
  return text;
};

/** The chat stream stage for one response. */
export const createChatSse = (options: ChatChunkOptions): TurnReducer => {
  const state = createChatChunkState(options);
  return trackTurn(
    (event) => encodeChatFrames(stepChatChunks(state, event)),
    () => encodeChatFrames(finishChatChunks(state)),
  );
};

/** The stream: false stage: nothing is written; `completion()` folds the response (or throws its ProxyError). */
export const createChatFold = (options: ChatCompletionOptions): TurnReducer & { completion(): ChatCompletion } => {
  const fold = createChatCompletionFold(options);
  const reducer = trackTurn(
    (event) => (fold.step(event), ""),
    () => "",
  );
  return { ...reducer, completion: () => fold.finish() };
};
