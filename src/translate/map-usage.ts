// Codex `usage` → chat `usage` (docs/backend.md §5.7, §8.5). Pure; missing or null counts become 0.
import { isObject } from "../json.ts";

/** The chat completion `usage` object, with both details objects always present. */
export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
  completion_tokens_details: { reasoning_tokens: number };
}

const count = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) ? value : 0);

/**
 * Maps an upstream `response.usage` to the chat shape; `null` when upstream sent no usage object
 * (minimal streams carry none, §5.7), so callers can leave the usage chunk out.
 */
export const toChatUsage = (usage: unknown): ChatUsage | null => {
  if (!isObject(usage)) return null;
  const input = count(usage.input_tokens);
  const output = count(usage.output_tokens); // already includes reasoning tokens (§5.7)
  const inputDetails = isObject(usage.input_tokens_details) ? usage.input_tokens_details : {};
  const outputDetails = isObject(usage.output_tokens_details) ? usage.output_tokens_details : {};
  return {
    prompt_tokens: input,
    completion_tokens: output,
    total_tokens: typeof usage.total_tokens === "number" ? usage.total_tokens : input + output,
    prompt_tokens_details: { cached_tokens: count(inputDetails.cached_tokens) },
    completion_tokens_details: { reasoning_tokens: count(outputDetails.reasoning_tokens) },
  };
};
