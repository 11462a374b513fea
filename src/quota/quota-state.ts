// What the backend says about the account's quota (issue #9 item 1, spec §6.5, §6.8): the latest x-codex-*
// window snapshot and the last usage-limit 429. Nothing about the account itself (id, email) is kept.
import { isObject } from "../translate/collect-output.ts";

export interface QuotaWindow {
  used_percent: number | null;
  window_minutes: number | null;
  resets_at: string | null;
  seen_at: string;
}

export interface QuotaSnapshot {
  object: "usage";
  plan_type: string | null;
  windows: { primary: QuotaWindow | null; secondary: QuotaWindow | null };
  credits: { has_credits: boolean | null; unlimited: boolean | null; balance: string | null } | null;
  limit: { type: string; message: string; until: string | null; seen_at: string } | null;
}

const number = (value: string | null): number | null => {
  if (value === null || value.trim() === "") return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
};
const bool = (value: string | null): boolean | null => (value === null || value === "" ? null : /^(true|1)$/i.test(value.trim()));
const iso = (ms: number) => new Date(ms).toISOString();

export interface QuotaTracker {
  /** Reads the x-codex-* headers of any upstream answer. */
  observeHeaders(headers: Headers): void;
  /** Reads a 429 body (`usage_limit_reached`, `resets_at`, `resets_in_seconds`, `plan_type`). */
  observeLimit(body: string): void;
  snapshot(): QuotaSnapshot;
}

export const createQuotaTracker = (now: () => number): QuotaTracker => {
  const state: QuotaSnapshot = { object: "usage", plan_type: null, windows: { primary: null, secondary: null }, credits: null, limit: null };

  const readWindow = (headers: Headers, name: "primary" | "secondary"): QuotaWindow | null => {
    const used = number(headers.get(`x-codex-${name}-used-percent`));
    const minutes = number(headers.get(`x-codex-${name}-window-minutes`));
    const resetAt = number(headers.get(`x-codex-${name}-reset-at`));
    const resetAfter = number(headers.get(`x-codex-${name}-reset-after-seconds`));
    if (used === null && minutes === null && resetAt === null && resetAfter === null) return null;
    const resets = resetAt !== null ? resetAt * 1000 : resetAfter !== null ? now() + resetAfter * 1000 : null;
    return { used_percent: used, window_minutes: minutes, resets_at: resets === null ? null : iso(resets), seen_at: iso(now()) };
  };

  return {
    observeHeaders(headers) {
      const primary = readWindow(headers, "primary");
      const secondary = readWindow(headers, "secondary");
      if (primary) state.windows.primary = primary;
      if (secondary) state.windows.secondary = secondary;
      const plan = headers.get("x-codex-plan-type");
      if (plan) state.plan_type = plan;
      if (headers.has("x-codex-credits-has-credits") || headers.has("x-codex-credits-balance")) {
        state.credits = {
          has_credits: bool(headers.get("x-codex-credits-has-credits")),
          unlimited: bool(headers.get("x-codex-credits-unlimited")),
          balance: headers.get("x-codex-credits-balance") || null,
        };
      }
      // A successful answer after a limit means the limit is over.
      if (state.limit && primary && (primary.used_percent ?? 100) < 100) state.limit = null;
    },
    observeLimit(text) {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return;
      }
      const error = isObject(body) && isObject(body.error) ? body.error : undefined;
      if (!error) return;
      if (typeof error.plan_type === "string") state.plan_type = error.plan_type;
      const until =
        typeof error.resets_at === "number"
          ? error.resets_at * 1000
          : typeof error.resets_in_seconds === "number"
            ? now() + error.resets_in_seconds * 1000
            : null;
      state.limit = {
        type: typeof error.type === "string" ? error.type : typeof error.code === "string" ? error.code : "rate_limited",
        message: typeof error.message === "string" ? error.message : "rate limited",
        until: until === null ? null : iso(until),
        seen_at: iso(now()),
      };
    },
    snapshot: () => structuredClone(state),
  };
};
