// The model ids the proxy lists (spec §7.1 emulator default allow-list and §7.3), each with its reasoning efforts.

/**
 * Slug → supported `reasoning.effort` values, in the spec's order: the Codex CLI 0.169's own list first
 * (docs/backend.md §13.5 [OBSERVED]), then §7.1. `ultra` is a catalogue level that goes upstream as `max` (§13.1).
 */
export const MODEL_EFFORTS: Readonly<Record<string, readonly string[]>> = {
  "gpt-5.5": ["none", "low", "medium", "high", "xhigh"],
  "gpt-5.4": ["none", "low", "medium", "high", "xhigh"],
  "gpt-5.4-mini": ["low", "medium", "high", "xhigh"],
  "gpt-5.6-sol": ["low", "medium", "high", "xhigh", "max", "ultra"],
  "gpt-5.6-terra": ["low", "medium", "high", "xhigh", "max", "ultra"],
  "gpt-5.6-luna": ["low", "medium", "high", "xhigh", "max"],
  "gpt-5.3-codex": ["low", "medium", "high", "xhigh"],
  "gpt-5.2-codex": ["low", "medium", "high", "xhigh"],
  // late 2026 (§13.5): gpt-6-astra rejects none and is rollout-gated
  "gpt-6.1-sol": ["low", "medium", "high", "xhigh", "max", "ultra"],
  "gpt-6-astra": ["low", "medium", "high", "xhigh", "max", "ultra"],
  "gpt-6-sol": ["low", "medium", "high", "xhigh", "max", "ultra"],
  "gpt-6-luna": ["low", "medium", "high", "xhigh", "max"],
  "gpt-5.3-codex-spark": ["low", "medium", "high", "xhigh"],
};

/** The catalogue's efforts for `model`, or undefined: an own key only, so `constructor` or `__proto__` is no model. */
export const effortsOf = (model: string): readonly string[] | undefined => (Object.hasOwn(MODEL_EFFORTS, model) ? MODEL_EFFORTS[model] : undefined);

/** `created` for every listed model: 2026-01-01T00:00:00Z (the backend publishes no dates). */
export const MODELS_CREATED = 1767225600;
