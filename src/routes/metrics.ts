// GET /metrics with --metrics (issue #9 item 4): Prometheus text exposition format 0.0.4; the quota gauges are
// rendered from the quota tracker at scrape time (metrics/quota-metrics.ts).
import { renderQuotaMetrics } from "../metrics/quota-metrics.ts";
import type { Registry } from "../metrics/registry.ts";
import type { QuotaTracker } from "../quota/quota-state.ts";

export const createMetricsRoute = (registry: Registry, quota: QuotaTracker, now: () => number) => async (): Promise<Response> =>
  new Response(registry.render() + renderQuotaMetrics(quota.snapshot(), now()), {
    headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
  });
