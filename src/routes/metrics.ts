// GET /metrics with --metrics (issue #9 item 4): Prometheus text exposition format 0.0.4.
import type { Registry } from "../metrics/registry.ts";

export const createMetricsRoute = (registry: Registry) => async (): Promise<Response> =>
  new Response(registry.render(), { headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" } });
