// The model allow-list with per-model wire efforts (R9, R10), the catalogue `GET {base}/models` answers (§7.3,
// §13.5), and the R10 effort order. Each row says which period it describes.
//
// | Slugs | Period / source | Wire efforts (R10) | Catalogue extra |
// |---|---|---|---|
// | gpt-6.1-sol, gpt-6-astra, gpt-6-sol | late 2026, §13.5 [OBSERVED in the CLI 0.169's spawn_agent text] | low…max | ultra |
// | gpt-6-luna | late 2026, §13.5 [OBSERVED] | low…max | — |
// | gpt-5.6-sol, gpt-5.6-terra | Jul 2026, §7.1 / §13.5 | low…max | ultra |
// | gpt-5.6-luna | Jul 2026, §7.1 | low…max | — |
// | gpt-5.5, gpt-5.4 | Mar–May 2026, §7.1 | none, low…xhigh | — |
// | gpt-5.4-mini, gpt-5.3-codex-spark, gpt-5.3-codex, gpt-5.2-codex | §7.1 emulator default (the *-codex slugs [UNCERTAIN] since §13.5) | low…xhigh | — |
//
// `ultra` is a catalogue level only: the CLI sends it upstream as `max` (§13.1 [REPORTED: codex-rs client.rs]), so
// the wire rule refuses it (an April rule, §7.1, accepted it on gpt-5.6-sol/-terra). `gpt-6-astra` rejects `none`
// (§13.1); `minimal` is rejected everywhere (§7.1).

/** R10 list order for efforts. */
export const EFFORT_ORDER = ["none", "minimal", "low", "medium", "high", "xhigh", "max", "ultra"] as const;

const BASE = ["low", "medium", "high", "xhigh"];
const UP_TO_MAX = [...BASE, "max"];

/** Slug → efforts accepted on the wire (R10). */
export const DEFAULT_MODELS: Readonly<Record<string, readonly string[]>> = {
  "gpt-6.1-sol": UP_TO_MAX,
  "gpt-6-astra": UP_TO_MAX,
  "gpt-6-sol": UP_TO_MAX,
  "gpt-6-luna": UP_TO_MAX,
  "gpt-5.6-sol": UP_TO_MAX,
  "gpt-5.6-terra": UP_TO_MAX,
  "gpt-5.6-luna": UP_TO_MAX,
  "gpt-5.5": ["none", ...BASE],
  "gpt-5.4": ["none", ...BASE],
  "gpt-5.4-mini": [...BASE],
  "gpt-5.3-codex-spark": [...BASE],
  "gpt-5.3-codex": [...BASE],
  "gpt-5.2-codex": [...BASE],
};

/** Slugs whose catalogue entry also lists `ultra` (§13.5), which goes on the wire as `max`. */
export const ULTRA_MODELS: ReadonlySet<string> = new Set(["gpt-6.1-sol", "gpt-6-astra", "gpt-6-sol", "gpt-5.6-sol", "gpt-5.6-terra"]);

/** Default reasoning level per slug as the CLI 0.169 lists them (§13.5); others default to medium. */
const DEFAULT_LEVEL: Readonly<Record<string, string>> = {
  "gpt-6.1-sol": "low",
  "gpt-6-astra": "low",
  "gpt-5.6-sol": "low",
  "gpt-5.6-terra": "low",
};

/** One entry of `GET {base}/models` (§7.3: the fields ChatMock and the CLI read; the exact shape is [UNCERTAIN]). */
export interface CatalogueModel {
  slug: string;
  display_name: string;
  description: string;
  default_reasoning_level: string | null;
  supported_reasoning_levels: Array<{ effort: string; description: string }>;
  visibility: "list" | "hide";
  supported_in_api: boolean;
  priority: number;
  minimal_client_version?: string;
  context_window?: number;
  [key: string]: unknown;
}

/** The catalogue for a wire-effort table: catalogue levels are the wire efforts plus `ultra` where §13.5 has it. */
export function catalogueFor(models: Readonly<Record<string, readonly string[]>>): CatalogueModel[] {
  return Object.entries(models).map(([slug, efforts], priority) => {
    const levels = sortEfforts(ULTRA_MODELS.has(slug) && efforts.includes("max") ? [...efforts, "ultra"] : efforts);
    const preferred = DEFAULT_LEVEL[slug] ?? "medium";
    return {
      slug,
      display_name: slug,
      description: "",
      default_reasoning_level: levels.includes(preferred) ? preferred : (levels[0] ?? null),
      supported_reasoning_levels: levels.map((effort) => ({ effort, description: "" })),
      visibility: "list",
      supported_in_api: true,
      priority,
    };
  });
}

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
