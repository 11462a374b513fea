// Claude model ids → Codex models (issue 17 item 5, docs/anthropic.md "Models"): a table of `family=model[:effort]`
// entries from --claude-models, matched on the id's `-`-separated words; Codex ids pass through untouched.
import { effortsOf } from "./catalogue.ts";

export interface ClaudeModelEntry {
  /** The word matched in a Claude id: `opus` matches `claude-opus-4-5` and `claude-3-opus-20240229`. */
  family: string;
  /** The Codex model; "" means the configured --model. */
  model: string;
  effort?: string;
}

/** opus → the strongest listed model at high effort, sonnet → --model, haiku → the mini model. */
export const DEFAULT_CLAUDE_MODELS = "opus=gpt-5.5:high,sonnet=,haiku=gpt-5.4-mini";

const EFFORTS = new Set(["none", "minimal", "low", "medium", "high", "xhigh", "max", "ultra"]);
const FAMILY = /^[a-z0-9][a-z0-9.-]*$/;

/** Parses `opus=gpt-5.5:high,sonnet=,haiku=gpt-5.4-mini`; a string describing the first bad entry on error. */
export const parseClaudeModels = (text: string): ClaudeModelEntry[] | string => {
  const entries: ClaudeModelEntry[] = [];
  for (const raw of text.split(",")) {
    const part = raw.trim();
    if (part === "") continue;
    const eq = part.indexOf("=");
    if (eq <= 0) return `"${part}" is not family=model[:effort]`;
    const family = part.slice(0, eq).trim().toLowerCase();
    if (!FAMILY.test(family)) return `"${family}" is not a model family word (letters, digits, "." and "-")`;
    let model = part.slice(eq + 1).trim();
    let effort: string | undefined;
    const colon = model.lastIndexOf(":");
    if (colon >= 0) {
      effort = model.slice(colon + 1).trim();
      model = model.slice(0, colon).trim();
      if (!EFFORTS.has(effort)) return `"${effort}" in "${part}" is not a reasoning effort (${[...EFFORTS].join(", ")})`;
    }
    entries.push(effort === undefined ? { family, model } : { family, model, effort });
  }
  return entries;
};

/** True for a Claude model id (`claude-…`, any case), which the table maps; anything else is a Codex id. */
export const isClaudeModelId = (id: string): boolean => /^claude/i.test(id);

/**
 * The Codex model and effort for a requested id: a Claude id by the first table entry whose family is one of
 * its words (longest family first, so `opus-4` can beat `opus`), else --model; other ids unchanged.
 */
export const resolveClaudeModel = (requested: string, table: readonly ClaudeModelEntry[], defaultModel: string): { model: string; effort?: string } => {
  if (!isClaudeModelId(requested)) return { model: requested };
  const id = requested.toLowerCase();
  const words = id.split(/[-_@]/);
  const match = [...table]
    .sort((a, b) => b.family.length - a.family.length)
    .find((entry) => (entry.family.includes("-") ? id.includes(entry.family) : words.includes(entry.family)));
  if (!match) return { model: defaultModel };
  const model = match.model === "" ? defaultModel : match.model;
  return match.effort === undefined ? { model } : { model, effort: clampEffort(model, match.effort) };
};

/** Orders efforts from weakest to strongest, for clamping a Claude-side effort to what a model supports. */
const ORDER = ["none", "minimal", "low", "medium", "high", "xhigh", "max", "ultra"];

/**
 * `effort` if the catalogue lists it for `model`, else the strongest supported one below it (or the weakest
 * one above it); unknown models get the effort unchanged. A mapped Claude setting is a translation, not a
 * client's literal Codex effort, so it is clamped rather than refused.
 */
export const clampEffort = (model: string, effort: string): string => {
  const supported = effortsOf(model);
  if (!supported || supported.includes(effort)) return effort;
  const rank = ORDER.indexOf(effort);
  const below = supported.filter((e) => ORDER.indexOf(e) < rank);
  if (below.length > 0) return below.reduce((a, b) => (ORDER.indexOf(a) > ORDER.indexOf(b) ? a : b));
  return supported.reduce((a, b) => (ORDER.indexOf(a) < ORDER.indexOf(b) ? a : b));
};

/** The weakest effort a catalogue model supports (`thinking: disabled`), undefined for unknown models. */
export const weakestEffort = (model: string): string | undefined => {
  const supported = effortsOf(model);
  if (!supported || supported.length === 0) return undefined;
  return supported.reduce((a, b) => (ORDER.indexOf(a) < ORDER.indexOf(b) ? a : b));
};

/** Display names for the Claude ids GET /v1/models lists in Anthropic's shape: one per table family. */
export const listClaudeModels = (table: readonly ClaudeModelEntry[], defaultModel: string): { id: string; display_name: string }[] =>
  table.map((entry) => ({
    id: `claude-${entry.family}`,
    display_name: `Claude ${entry.family.charAt(0).toUpperCase()}${entry.family.slice(1)} (${entry.model === "" ? defaultModel : entry.model})`,
  }));
