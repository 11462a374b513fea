// GET /v1/usage (issue #9 item 1): the latest quota windows the backend reported, and any usage-limit hold.
import type { QuotaTracker } from "../quota/quota-state.ts";

export const createUsageRoute = (quota: QuotaTracker) => async (): Promise<Response> =>
  Response.json(quota.snapshot(), { headers: { "cache-control": "no-store" } });
