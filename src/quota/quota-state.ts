// What the backend says about the account's quota (issue #9 item 1, spec §6.5, §6.8): the latest x-codex-*
// window snapshot and the last usage-limit 429. Nothing about the account itself (id, email) is kept.
import { isObject, parseJsonObject } from "../json.ts";

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
  /** Per-model limits from the latest `codex.rate_limits` event, as the backend sent them (docs/backend.md §13.3). */
  additional_rate_limits: unknown;
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
  /** Reads a `codex.rate_limits` stream event (§13.3 [REPORTED]): the same windows and credits as the headers. */
  observeRateLimits(event: Record<string, unknown>): void;
  snapshot(): QuotaSnapshot;
}

/** A window as observed: times kept as epoch ms, formatted only when a snapshot is taken (not on every request). */
interface ObservedWindow {
  used_percent: number | null;
  window_minutes: number | null;
  resetsMs: number | null;
  seenMs: number;
}
const formatWindow = (w: ObservedWindow | null): QuotaWindow | null =>
  w === null
    ? null
    : { used_percent: w.used_percent, window_minutes: w.window_minutes, resets_at: w.resetsMs === null ? null : iso(w.resetsMs), seen_at: iso(w.seenMs) };

export const createQuotaTracker = (now: () => number): QuotaTracker => {
  const windows: { primary: ObservedWindow | null; secondary: ObservedWindow | null } = { primary: null, secondary: null };
  const state: Omit<QuotaSnapshot, "windows"> = {
    object: "usage",
    plan_type: null,
    credits: null,
    limit: null,
    additional_rate_limits: null,
  };
  const finite = (value: unknown): number | null => (typeof value === "number" && Number.isFinite(value) ? value : null);
  const flag = (value: unknown): boolean | null => (typeof value === "boolean" ? value : null);
  /** One window from its four numbers, as headers and codex.rate_limits events both give them (seconds). */
  const toWindow = (used: number | null, minutes: number | null, resetAt: number | null, resetAfter: number | null): ObservedWindow => {
    const seenMs = now();
    const resetsMs = resetAt !== null ? resetAt * 1000 : resetAfter !== null ? seenMs + resetAfter * 1000 : null;
    return { used_percent: used, window_minutes: minutes, resetsMs, seenMs };
  };
  /** `{ used_percent, window_minutes, reset_at, reset_after_seconds }` of a codex.rate_limits event. */
  const eventWindow = (value: unknown): ObservedWindow | null =>
    isObject(value) ? toWindow(finite(value.used_percent), finite(value.window_minutes), finite(value.reset_at), finite(value.reset_after_seconds)) : null;

  const readWindow = (headers: Headers, name: "primary" | "secondary"): ObservedWindow | null => {
    const used = number(headers.get(`x-codex-${name}-used-percent`));
    const minutes = number(headers.get(`x-codex-${name}-window-minutes`));
    const resetAt = number(headers.get(`x-codex-${name}-reset-at`));
    const resetAfter = number(headers.get(`x-codex-${name}-reset-after-seconds`));
    if (used === null && minutes === null && resetAt === null && resetAfter === null) return null;
    return toWindow(used, minutes, resetAt, resetAfter);
  };

  return {
    observeHeaders(headers) {
      const primary = readWindow(headers, "primary");
      const secondary = readWindow(headers, "secondary");
      if (primary) windows.primary = primary;
      if (secondary) windows.secondary = secondary;
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
      const error = parseJsonObject(text)?.error;
      if (!isObject(error)) return;
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
    observeRateLimits(event) {
      if (typeof event.plan_type === "string") state.plan_type = event.plan_type;
      const limits = isObject(event.rate_limits) ? event.rate_limits : undefined;
      const primary = eventWindow(limits?.primary);
      const secondary = eventWindow(limits?.secondary);
      if (primary) windows.primary = primary;
      if (secondary) windows.secondary = secondary;
      if (isObject(event.credits)) {
        const balance = event.credits.balance;
        state.credits = {
          has_credits: flag(event.credits.has_credits),
          unlimited: flag(event.credits.unlimited),
          balance: typeof balance === "string" && balance !== "" ? balance : typeof balance === "number" ? String(balance) : null,
        };
      }
      if (event.additional_rate_limits !== undefined) state.additional_rate_limits = event.additional_rate_limits;
      if (state.limit && limits?.limit_reached === false && (primary?.used_percent ?? 100) < 100) state.limit = null;
    },
    snapshot: () =>
      structuredClone({
        object: state.object,
        plan_type: state.plan_type,
        windows: { primary: formatWindow(windows.primary), secondary: formatWindow(windows.secondary) },
        credits: state.credits,
        limit: state.limit,
        additional_rate_limits: state.additional_rate_limits,
      }),
  };
};
