// The account's quota as Prometheus gauges (issue 16 item 4): what /v1/usage shows, from the x-codex-* headers and
// the `codex.rate_limits` stream events (docs/backend.md §6.5, §13.3 [REPORTED]), rendered at scrape time. Pure.
import type { QuotaSnapshot, QuotaWindow } from "../quota/quota-state.ts";

const gauge = (name: string, help: string, samples: readonly [string, number][]): string =>
  samples.length === 0 ? "" : `# HELP ${name} ${help}\n# TYPE ${name} gauge\n${samples.map(([labels, value]) => `${name}${labels} ${value}\n`).join("")}`;

const perWindow = (snapshot: QuotaSnapshot, read: (window: QuotaWindow) => number | null): [string, number][] =>
  (["primary", "secondary"] as const).flatMap((name): [string, number][] => {
    const window = snapshot.windows[name];
    const value = window === null ? null : read(window);
    return value === null || !Number.isFinite(value) ? [] : [[`{window="${name}"}`, value]];
  });

const epochSeconds = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso) / 1000);

/** The gauges for one snapshot; a window the backend never reported has no sample. */
export const renderQuotaMetrics = (snapshot: QuotaSnapshot, nowMs: number): string => {
  const balance = snapshot.credits?.balance == null ? Number.NaN : Number(snapshot.credits.balance);
  const until = snapshot.limit === null ? null : epochSeconds(snapshot.limit.until);
  return [
    gauge(
      "godex_quota_used_percent",
      "Share of the account's quota window used, as the backend last reported it.",
      perWindow(snapshot, (w) => w.used_percent),
    ),
    gauge(
      "godex_quota_window_minutes",
      "Length of the account's quota window.",
      perWindow(snapshot, (w) => w.window_minutes),
    ),
    gauge(
      "godex_quota_resets_at_seconds",
      "When the quota window resets (Unix time).",
      perWindow(snapshot, (w) => epochSeconds(w.resets_at)),
    ),
    gauge("godex_quota_credits_balance", "The account's credit balance, as the backend last reported it.", Number.isFinite(balance) ? [["", balance]] : []),
    gauge("godex_quota_limited", "1 while a usage-limit 429 from the backend still holds, else 0.", [["", until !== null && until * 1000 > nowMs ? 1 : 0]]),
  ].join("");
};
