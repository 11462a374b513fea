// Token counts from a Responses `usage` object (spec §5.7): missing counts are 0; null when there is no usage.
import { isObject } from "./collect-output.ts";

const count = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) ? value : 0);

export const readUsageCounts = (usage: unknown): { input: number; output: number; cached: number } | null => {
  if (!isObject(usage)) return null;
  const details = isObject(usage.input_tokens_details) ? usage.input_tokens_details : {};
  return { input: count(usage.input_tokens), output: count(usage.output_tokens), cached: count(details.cached_tokens) };
};
