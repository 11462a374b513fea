// Which instructions go upstream (spec §9.2): the request's merged text, else the session's cached text, else a default.

/** Sent when neither the request nor the cache has instructions; the backend rejects a blank value (spec §4.5). */
export const DEFAULT_INSTRUCTIONS = "You are a helpful assistant.";

export interface ResolvedInstructions {
  /** The text to send upstream. */
  instructions: string;
  /** Text to store under the session key, when the request carried some. */
  store?: string;
  source: "request" | "cache" | "default";
}

/** Pure: merged request text wins and is stored; blank falls back to the cache, then the default. */
export const resolveInstructions = (merged: string, cached: string | undefined): ResolvedInstructions => {
  if (merged.trim() !== "") return { instructions: merged, store: merged, source: "request" };
  if (cached !== undefined && cached.trim() !== "") return { instructions: cached, source: "cache" };
  return { instructions: DEFAULT_INSTRUCTIONS, source: "default" };
};

/** `join("\n\n", trim(a), trim(b), …)` leaving out blank parts (spec §9.2 "Merge"). */
export const joinInstructions = (...parts: readonly (string | undefined | null)[]): string =>
  parts
    .map((part) => (typeof part === "string" ? part.trim() : ""))
    .filter((part) => part !== "")
    .join("\n\n");
