// Output-item event sequences of spec §5.3–§5.5 (reasoning, message, function_call), built programmatically so
// scenarios can carry any text. Events are collected without sequence_number; sse.ts numbers them on the wire.
import { obfuscation, type ResponseIds } from "./ids.ts";

export type WireEvent = { type: string } & Record<string, unknown>;

/** Splits text into `n` nearly equal pieces by code point (so no surrogate pair is cut); "" gives no pieces. */
export function splitText(text: string, n: number): string[] {
  const chars = Array.from(text);
  if (chars.length === 0) return [];
  const count = Math.max(1, Math.min(Math.floor(n), chars.length));
  const base = Math.floor(chars.length / count);
  const extra = chars.length % count;
  const pieces: string[] = [];
  let at = 0;
  for (let i = 0; i < count; i += 1) {
    const size = base + (i < extra ? 1 : 0);
    pieces.push(chars.slice(at, at + size).join(""));
    at += size;
  }
  return pieces;
}

/** Default delta count: min(limit, code points). */
export function defaultDeltas(text: string, limit: number): number {
  return Math.min(limit, Array.from(text).length);
}

export interface TurnDeps {
  ids: ResponseIds;
  /** Issues an encrypted_content blob registered for the caller's account (R20), or undefined when not included. */
  issueBlob: (() => string) | undefined;
}

/** Accumulates the item events of one response, plus what B7 needs: emitted text and hidden reasoning text. */
export function createTurn(deps: TurnDeps) {
  const events: WireEvent[] = [];
  const output: Record<string, unknown>[] = [];
  let emittedText = "";
  let reasoningText = "";

  function addReasoning(parts: string[], withSummary: boolean): void {
    const outputIndex = output.length;
    const id = deps.ids.itemId("rs");
    const blobAdded = deps.issueBlob?.();
    const blobDone = deps.issueBlob?.();
    const withBlob = (item: Record<string, unknown>, blob: string | undefined) => (blob === undefined ? item : { ...item, encrypted_content: blob });
    events.push({ type: "response.output_item.added", output_index: outputIndex, item: withBlob({ id, type: "reasoning", summary: [] }, blobAdded) });
    const summary: Array<{ type: "summary_text"; text: string }> = [];
    if (withSummary) {
      for (const [summaryIndex, text] of parts.entries()) {
        const ids = { item_id: id, output_index: outputIndex, summary_index: summaryIndex };
        events.push({ type: "response.reasoning_summary_part.added", ...ids, part: { type: "summary_text", text: "" } });
        for (const delta of splitText(text, defaultDeltas(text, 4))) {
          events.push({ type: "response.reasoning_summary_text.delta", ...ids, delta, obfuscation: obfuscation(delta) });
        }
        events.push({ type: "response.reasoning_summary_text.done", ...ids, text });
        events.push({ type: "response.reasoning_summary_part.done", ...ids, part: { type: "summary_text", text } });
        summary.push({ type: "summary_text", text });
      }
    }
    const item = withBlob({ id, type: "reasoning", summary }, blobDone);
    events.push({ type: "response.output_item.done", output_index: outputIndex, item });
    output.push(item);
    reasoningText += parts.join("");
  }

  function addMessage(text: string, deltas: number, opts: { phase?: string; status?: "completed" | "incomplete" } = {}): void {
    const outputIndex = output.length;
    const id = deps.ids.itemId("msg");
    const phase = opts.phase === undefined ? {} : { phase: opts.phase };
    const ids = { item_id: id, output_index: outputIndex, content_index: 0 };
    events.push({
      type: "response.output_item.added",
      output_index: outputIndex,
      item: { id, type: "message", status: "in_progress", content: [], role: "assistant", ...phase },
    });
    events.push({ type: "response.content_part.added", ...ids, part: { type: "output_text", annotations: [], logprobs: [], text: "" } });
    for (const delta of splitText(text, deltas)) {
      events.push({ type: "response.output_text.delta", ...ids, delta, logprobs: [], obfuscation: obfuscation(delta) });
    }
    events.push({ type: "response.output_text.done", ...ids, text, logprobs: [] });
    const part = { type: "output_text", annotations: [], logprobs: [], text };
    events.push({ type: "response.content_part.done", ...ids, part });
    const item = { id, type: "message", status: opts.status ?? "completed", content: [part], role: "assistant", ...phase };
    events.push({ type: "response.output_item.done", output_index: outputIndex, item });
    output.push(item);
    emittedText += text;
  }

  function addFunctionCall(name: string, args: string, deltas: number, namespace?: string): void {
    const outputIndex = output.length;
    const id = deps.ids.itemId("fc");
    const callId = deps.ids.callId();
    const ids = { item_id: id, output_index: outputIndex };
    // §13.1 [REPORTED: openai/codex#23186]: a namespaced tool's call names its namespace beside `name`.
    const ns = namespace === undefined ? {} : { namespace };
    events.push({
      type: "response.output_item.added",
      output_index: outputIndex,
      item: { id, type: "function_call", status: "in_progress", arguments: "", call_id: callId, name, ...ns },
    });
    for (const delta of splitText(args, deltas)) {
      events.push({ type: "response.function_call_arguments.delta", ...ids, delta, obfuscation: obfuscation(delta) });
    }
    events.push({ type: "response.function_call_arguments.done", ...ids, arguments: args });
    const item = { id, type: "function_call", status: "completed", arguments: args, call_id: callId, name, ...ns };
    events.push({ type: "response.output_item.done", output_index: outputIndex, item });
    output.push(item);
    emittedText += args;
  }

  /** §5.3/§5.5: a freeform tool call (`custom_tool_call_input.delta`* then `.done`); §13.1 `custom` tools. */
  function addCustomToolCall(name: string, input: string, deltas: number): void {
    const outputIndex = output.length;
    const id = deps.ids.itemId("ctc");
    const callId = deps.ids.callId();
    const ids = { item_id: id, output_index: outputIndex };
    events.push({
      type: "response.output_item.added",
      output_index: outputIndex,
      item: { id, type: "custom_tool_call", status: "in_progress", call_id: callId, name, input: "" },
    });
    for (const delta of splitText(input, deltas)) {
      events.push({ type: "response.custom_tool_call_input.delta", ...ids, delta, obfuscation: obfuscation(delta) });
    }
    events.push({ type: "response.custom_tool_call_input.done", ...ids, input });
    const item = { id, type: "custom_tool_call", status: "completed", call_id: callId, name, input };
    events.push({ type: "response.output_item.done", output_index: outputIndex, item });
    output.push(item);
    emittedText += input;
  }

  /**
   * §13.4 [REPORTED]: the one `compaction` item of a v2 compaction turn. Only `output_item.done` is reported; the
   * `added` before it and the `cmp_` id are emulator choices, like the other items'.
   */
  function addCompaction(blob: string): void {
    const outputIndex = output.length;
    const id = deps.ids.itemId("cmp");
    events.push({ type: "response.output_item.added", output_index: outputIndex, item: { id, type: "compaction" } });
    const item = { id, type: "compaction", encrypted_content: blob };
    events.push({ type: "response.output_item.done", output_index: outputIndex, item });
    output.push(item);
  }

  return {
    events,
    output,
    addReasoning,
    addMessage,
    addFunctionCall,
    addCustomToolCall,
    addCompaction,
    emittedText: () => emittedText,
    reasoningText: () => reasoningText,
  };
}

export type Turn = ReturnType<typeof createTurn>;
