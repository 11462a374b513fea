// Usage accounting, spec §12.2 B7 (shape §5.7): token counts are string lengths / 4, and cached_tokens come from
// the common prefix with the previous streamed request under the same prompt_cache_key.

export interface Usage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

/** B7's S = instructions + JSON.stringify(input) + JSON.stringify(tools ?? []). */
export function promptString(body: Record<string, unknown>): string {
  const instructions = typeof body.instructions === "string" ? body.instructions : "";
  return instructions + JSON.stringify(body.input) + JSON.stringify(body.tools ?? []);
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

/** Remembers the last S per prompt_cache_key; a request without a key never hits the cache. */
export function createPromptCache() {
  const lastByKey = new Map<string, string>();
  return {
    /** Returns the cached prefix length for this body and remembers its S for the next request. */
    take(body: Record<string, unknown>): { prompt: string; cachedPrefix: number } {
      const prompt = promptString(body);
      const key = body.prompt_cache_key;
      if (typeof key !== "string") return { prompt, cachedPrefix: 0 };
      const previous = lastByKey.get(key);
      lastByKey.set(key, prompt);
      return { prompt, cachedPrefix: previous === undefined ? 0 : commonPrefixLength(previous, prompt) };
    },
    clear(): void {
      lastByKey.clear();
    },
  };
}
