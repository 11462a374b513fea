// Durations on the command line: "90s", "30m", "6h", "1d", "250ms" → milliseconds (the `duration` flag kind).

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** Milliseconds for a duration like "6h", or null when the text is not one. */
export const parseDuration = (text: string): number | null => {
  const match = PATTERN.exec(text.trim().toLowerCase());
  if (!match) return null;
  const ms = Number(match[1]) * (UNITS[match[2] as string] ?? NaN);
  return Number.isFinite(ms) ? Math.round(ms) : null;
};
