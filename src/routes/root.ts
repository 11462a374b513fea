// HEAD / and GET / (issue 17 item 1): Claude Code probes the base URL; answer 200 with an empty body, key or no key,
// so the probe passes and reveals nothing (not even what this server is).
export const createRootRoute = () => async (): Promise<Response> => new Response(null, { status: 200, headers: { "cache-control": "no-store" } });
