// Suite names the results reporter (results-reporter.mjs) reads back into the compatibility table.

/** `client | version | API mode | proxy on runtime`: one row of acceptance/RESULTS.md. */
export const suiteName = (client: string, version: string, api: string, runtime = "node"): string => [client, version, api, `proxy on ${runtime}`].join(" | ");
