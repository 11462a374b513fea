// The §7.1 "Emulator default" model allow-list and per-model reasoning efforts, plus the R10 effort order.

/** R10 list order for efforts. */
export const EFFORT_ORDER = ["none", "minimal", "low", "medium", "high", "xhigh", "max", "ultra"] as const;

const BASE = ["low", "medium", "high", "xhigh"];

/** §7.1: `none` on gpt-5.4/gpt-5.5, `max` on gpt-5.6-*, `ultra` on gpt-5.6-sol/terra; `minimal` nowhere. */
export const DEFAULT_MODELS: Readonly<Record<string, readonly string[]>> = {
  "gpt-5.5": ["none", ...BASE],
  "gpt-5.4": ["none", ...BASE],
  "gpt-5.4-mini": [...BASE],
  "gpt-5.6-sol": [...BASE, "max", "ultra"],
  "gpt-5.6-terra": [...BASE, "max", "ultra"],
  "gpt-5.6-luna": [...BASE, "max"],
  "gpt-5.3-codex": [...BASE],
  "gpt-5.2-codex": [...BASE],
};

/** Efforts sorted into the R10 order; unknown names go last in their given order. */
export function sortEfforts(efforts: readonly string[]): string[] {
  const rank = (e: string) => {
    const i = (EFFORT_ORDER as readonly string[]).indexOf(e);
    return i === -1 ? EFFORT_ORDER.length : i;
  };
  return [...efforts].sort((a, b) => rank(a) - rank(b));
}

/** R11: `medium` only on slugs containing "codex", else low/medium/high. */
export function allowedVerbosities(model: string): string[] {
  return model.includes("codex") ? ["medium"] : ["low", "medium", "high"];
}
