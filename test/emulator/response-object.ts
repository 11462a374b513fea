// The `response` object carried by created / in_progress / terminal events (spec §5.6), echoing the request the way
// the fixtures do (slug echoed, §11). Key order follows the fixture transcripts.
import type { Usage } from "./usage.ts";
import { isObject } from "./wire.ts";

export interface ResponseState {
  id: string;
  createdAt: number;
  status: "in_progress" | "completed" | "incomplete" | "failed";
  completedAt?: number | null;
  error?: { code: string; message: string } | null;
  incompleteReason?: string;
  output?: unknown[];
  usage?: Usage | null;
}

/** Builds the full response object for one event. */
export function responseObject(body: Record<string, unknown>, state: ResponseState): Record<string, unknown> {
  const reasoning = isObject(body.reasoning) ? body.reasoning : {};
  const text = isObject(body.text) ? body.text : {};
  const terminal = state.status !== "in_progress";
  return {
    id: state.id,
    object: "response",
    created_at: state.createdAt,
    status: state.status,
    background: false,
    completed_at: state.completedAt ?? null,
    error: state.error ?? null,
    incomplete_details: state.incompleteReason === undefined ? null : { reason: state.incompleteReason },
    instructions: body.instructions ?? null,
    max_output_tokens: null,
    max_tool_calls: null,
    model: body.model,
    output: state.output ?? [],
    parallel_tool_calls: body.parallel_tool_calls ?? false,
    previous_response_id: null,
    prompt_cache_key: body.prompt_cache_key ?? null,
    reasoning: { effort: reasoning.effort ?? "medium", summary: reasoning.summary ?? null },
    safety_identifier: null,
    service_tier: body.service_tier ?? (terminal && state.status === "completed" ? "default" : "auto"),
    store: false,
    temperature: 1.0,
    text: { format: text.format ?? { type: "text" }, verbosity: text.verbosity ?? "medium" },
    tool_choice: body.tool_choice ?? "auto",
    tools: body.tools ?? [],
    top_logprobs: 0,
    top_p: 1.0,
    truncation: "disabled",
    usage: state.usage ?? null,
    user: null,
    metadata: {},
  };
}
