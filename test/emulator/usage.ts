// Usage accounting, spec §12.2 B7 (shape §5.7) as issue 19 item 5 refines it: token counts are string lengths / 4,
// and cached_tokens come from the longest common prefix of this request's S with the S of the recent requests
// under the same prompt_cache_key (README "Usage and the prompt cache").

export interface Usage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

/** Requests remembered per prompt_cache_key, and keys remembered (least recently used forgotten first). */
export const PROMPT_CACHE_RECENT = 4;
export const PROMPT_CACHE_KEYS = 64;

/** JSON with object keys sorted (arrays and strings as sent): the backend parses the body, so key order is no content. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** S = instructions + canonical(tools ?? []) + canonical(input): the order a prompt is rendered in, static parts first. */
export function promptString(body: Record<string, unknown>): string {
  const instructions = typeof body.instructions === "string" ? body.instructions : "";
  return instructions + canonicalJson(body.tools ?? []) + canonicalJson(body.input);
}

function commonPrefixLength(a: string, b: string): number {
  const max = Math.min(a.length, b.length);
  let i = 0;
  while (i < max && a.charCodeAt(i) === b.charCodeAt(i)) i += 1;
  return i;
}

/** Builds a §5.7 usage object from the prompt, the cached prefix, and the emitted output. */
export function computeUsage(prompt: string, cachedPrefix: number, emittedText: string, reasoningText: string): Usage {
  const inputTokens = Math.ceil(prompt.length / 4);
  const reasoningTokens = Math.ceil(reasoningText.length / 4);
  const outputTokens = Math.ceil(emittedText.length / 4) + reasoningTokens;
  return {
    input_tokens: inputTokens,
    input_tokens_details: { cached_tokens: Math.floor(cachedPrefix / 4) },
    output_tokens: outputTokens,
    output_tokens_details: { reasoning_tokens: reasoningTokens },
    total_tokens: inputTokens + outputTokens,
  };
}

/** Remembers the recent S per prompt_cache_key (bounded); a request without a key never hits the cache. */
export function createPromptCache() {
  const recentByKey = new Map<string, string[]>();
  return {
    /** Returns the cached prefix length for this body and remembers its S for the next requests. */
    take(body: Record<string, unknown>): { prompt: string; cachedPrefix: number } {
      const prompt = promptString(body);
      const key = body.prompt_cache_key;
      if (typeof key !== "string") return { prompt, cachedPrefix: 0 };
      const recent = recentByKey.get(key) ?? [];
      const cachedPrefix = recent.reduce((best, earlier) => Math.max(best, commonPrefixLength(earlier, prompt)), 0);
      recentByKey.delete(key);
      recentByKey.set(key, [...recent, prompt].slice(-PROMPT_CACHE_RECENT));
      if (recentByKey.size > PROMPT_CACHE_KEYS) recentByKey.delete(recentByKey.keys().next().value as string);
      return { prompt, cachedPrefix };
    },
    clear(): void {
      recentByKey.clear();
    },
  };
}
