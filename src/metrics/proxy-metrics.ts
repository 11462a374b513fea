// The proxy's metrics (issue #9 item 4), in one place so every name and label set is visible at once.
import { createRegistry, type Registry } from "./registry.ts";

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export const createProxyMetrics = () => {
  const registry: Registry = createRegistry();
  return {
    registry,
    requests: registry.counter("godex_requests_total", "Client requests by route and HTTP status."),
    upstream: registry.counter("godex_upstream_responses_total", "Upstream answers by HTTP status."),
    ttfb: registry.histogram("godex_time_to_first_byte_seconds", "Time from request to the first body byte, by route.", SECONDS),
    duration: registry.histogram("godex_request_duration_seconds", "Time from request to the end of the body, by route.", SECONDS),
    tokens: registry.counter("godex_tokens_total", "Tokens reported by the backend, by kind (input, output, cached)."),
    instructions: registry.counter("godex_instructions_cache_total", "Instructions resolution by source (request, cache hit, default on a miss)."),
    reconstructions: registry.counter("godex_tool_call_reconstructions_total", "Remembered tool calls re-inserted before their output."),
    refreshes: registry.counter("godex_token_refreshes_total", "ChatGPT token refreshes by result (ok, failed)."),
    openStreams: registry.gauge("godex_open_streams", "SSE responses currently streaming to clients."),
  };
};

export type ProxyMetrics = ReturnType<typeof createProxyMetrics>;
