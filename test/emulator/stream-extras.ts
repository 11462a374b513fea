// Late-2026 stream additions (codex-backend.md §13.3 [REPORTED]) laid over a scenario's frames: `codex.rate_limits`
// before `response.created`, `response.metadata` / `codex.response.metadata` inside the first item, `keepalive`
// events and comments, and raw frames a test wants (an event without `type`, say). None carries a
// `sequence_number` (the §13.3 sample has none), so the numbered events stay contiguous from 0.
import type { WireEvent } from "./turn.ts";
import type { ScenarioOptions } from "./types.ts";

/** The §13.3 sample (a Plus account, one 10080-minute window); `reset_at` is recomputed from the clock. */
export const RATE_LIMITS_SAMPLE = {
  plan_type: "plus",
  rate_limits: {
    allowed: true,
    limit_reached: false,
    primary: { used_percent: 0, window_minutes: 10080, reset_after_seconds: 604739, reset_at: 1787329759 },
    secondary: null,
  },
  code_review_rate_limits: null,
  additional_rate_limits: null,
  credits: { has_credits: false, unlimited: false, balance: "0" },
  promo: null,
} as const;

const unnumbered = (event: WireEvent): string => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;

/** The `codex.rate_limits` event for `option` (true: the sample with `reset_at = now + reset_after_seconds`). */
export function rateLimitsEvent(option: true | Record<string, unknown>, nowSec: number): WireEvent {
  if (option !== true) return { type: "codex.rate_limits", ...option };
  const sample = structuredClone(RATE_LIMITS_SAMPLE) as unknown as { rate_limits: { primary: { reset_after_seconds: number; reset_at: number } } };
  sample.rate_limits.primary.reset_at = nowSec + sample.rate_limits.primary.reset_after_seconds;
  return { type: "codex.rate_limits", ...sample };
}

/** `frames` (one per event of `events`) with the extras `options` ask for inserted. */
export function withExtras(frames: string[], events: WireEvent[], options: ScenarioOptions, ctx: { nowSec: number; model: unknown }): string[] {
  const after = new Map<number, string[]>();
  const add = (index: number, text: string) => after.set(index, [...(after.get(index) ?? []), text]);
  if (options.rateLimits !== undefined && options.rateLimits !== false) add(0, unnumbered(rateLimitsEvent(options.rateLimits, ctx.nowSec)));
  if (options.keepalive === true) {
    const inProgress = events.findIndex((e) => e.type === "response.in_progress");
    if (inProgress !== -1) {
      add(inProgress + 1, unnumbered({ type: "keepalive" }));
      add(inProgress + 1, ": keepalive\n\n");
    }
  }
  if (options.metadataEvents === true) {
    const added = events.findIndex((e) => e.type === "response.output_item.added");
    if (added !== -1) {
      const headers = { "openai-model": typeof ctx.model === "string" ? ctx.model : "", "x-codex-turn-state": "emulator-turn-state" };
      add(added + 1, unnumbered({ type: "response.metadata", headers }));
      add(added + 1, unnumbered({ type: "codex.response.metadata", headers }));
    }
  }
  for (const extra of options.injectFrames ?? []) add(extra.after, extra.text);
  if (after.size === 0) return frames;
  const out: string[] = [];
  for (let i = 0; i <= frames.length; i += 1) {
    out.push(...(after.get(i) ?? []));
    if (i < frames.length) out.push(frames[i] ?? "");
  }
  return out;
}
