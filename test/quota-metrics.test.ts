// Quota and model visibility (issue #9): /v1/usage, effort variants, Server-Timing, Prometheus /metrics.
import { describe, test, afterEach } from "node:test";
import assert from "node:assert/strict";
import { RATE_LIMITS_SAMPLE } from "./emulator/index.ts";
import { createHarness, type Harness } from "./support/harness.ts";

type Json = Record<string, any>;
const lastBody = (h: Harness): Json => h.emulator.calls.at(-1)?.body as Json;

/** Parses Prometheus text: `name{labels}` → value; fails on any line that is not a comment or a sample. */
const parseMetrics = (text: string): Map<string, number> => {
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("# HELP ") || line.startsWith("# TYPE ")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?[0-9.e+]+|NaN|\+Inf)$/.exec(line);
    assert.ok(match, `not a Prometheus sample line: ${line}`);
    samples.set(`${match[1]}${match[2] ?? ""}`, Number(match[3]));
  }
  return samples;
};

describe("quota, effort variants, Server-Timing and metrics", () => {
  let h: Harness;
  afterEach(() => h?.close());

  test("/v1/usage reports the windows from the backend's headers, then the usage-limit hold after a 429", async () => {
    h = createHarness();
    const empty = await (await h.get("/v1/usage")).json();
    assert.equal(empty.windows.primary, null);
    assert.equal((await h.post("/v1/responses", { input: "x" })).status, 200);
    const usage = await (await h.get("/v1/usage")).json();
    assert.equal(usage.plan_type, "plus");
    assert.equal(usage.windows.primary.used_percent, 12);
    assert.equal(usage.windows.primary.window_minutes, 300);
    assert.equal(usage.windows.secondary.window_minutes, 10080);
    assert.equal(usage.windows.primary.seen_at, new Date(h.now()).toISOString());
    assert.ok(Date.parse(usage.windows.primary.resets_at) > h.now());
    assert.equal(usage.limit, null);
    h.emulator.enqueue("usage-limit");
    assert.equal((await h.post("/v1/responses", { input: "x" })).status, 429);
    const limited = await (await h.get("/v1/usage")).json();
    assert.equal(limited.limit.type, "usage_limit_reached");
    assert.ok(Date.parse(limited.limit.until) > h.now());
    assert.doesNotMatch(JSON.stringify(limited), /3f6b1c2e|@example/);
    assert.equal((await h.get("/v1/usage", { authorization: "Bearer wrong" })).status, 401);
  });

  test("/v1/models lists one id per supported effort", async () => {
    h = createHarness();
    const ids = (await (await h.get("/v1/models")).json()).data.map((m: Json) => m.id);
    for (const id of ["gpt-5.4-none", "gpt-5.4-xhigh", "gpt-5.2-codex-low", "gpt-5.6-sol-ultra", "gpt-5.6-luna-max"]) assert.ok(ids.includes(id), id);
    assert.ok(!ids.includes("gpt-5.6-luna-ultra"));
    assert.ok(!ids.includes("gpt-5.2-codex-none"));
    assert.equal(ids[0], "gpt-5.2-codex");
  });

  test("a suffixed model goes upstream as the plain model with the effort; the body's effort wins", async () => {
    h = createHarness();
    assert.equal((await h.post("/v1/responses", { input: "x", model: "gpt-5.4-high" })).status, 200);
    assert.equal(lastBody(h).model, "gpt-5.4");
    assert.deepEqual(lastBody(h).reasoning, { effort: "high" });
    assert.deepEqual(lastBody(h).include, ["reasoning.encrypted_content"]);
    assert.equal((await h.post("/v1/responses", { input: "x", model: "gpt-5.4-high", reasoning: { effort: "low" } })).status, 200);
    assert.deepEqual(lastBody(h).reasoning, { effort: "low" });
    assert.equal((await h.post("/v1/chat/completions", { model: "gpt-5.5:xhigh", messages: [{ role: "user", content: "x" }] })).status, 200);
    assert.equal(lastBody(h).model, "gpt-5.5");
    assert.equal(lastBody(h).reasoning.effort, "xhigh");
    assert.equal(
      (await h.post("/v1/chat/completions", { model: "gpt-5.5-xhigh", reasoning_effort: "medium", messages: [{ role: "user", content: "x" }] })).status,
      200,
    );
    assert.equal(lastBody(h).reasoning.effort, "medium");
  });

  test("--model may carry a suffix", async () => {
    h = createHarness({ argv: ["--model", "gpt-5.2-codex-xhigh"] });
    assert.equal((await h.post("/v1/responses", { input: "x" })).status, 200);
    assert.equal(lastBody(h).model, "gpt-5.2-codex");
    assert.equal(lastBody(h).reasoning.effort, "xhigh");
  });

  test("an effort the model does not support is a 400 naming the supported ones, never a clamp", async () => {
    h = createHarness();
    const suffix = await h.post("/v1/responses", { input: "x", model: "gpt-5.6-luna-ultra" });
    assert.equal(suffix.status, 400);
    assert.equal((await suffix.json()).error.param, "model");
    const body = await (await h.post("/v1/responses", { input: "x", model: "gpt-5.2-codex", reasoning: { effort: "minimal" } })).json();
    assert.equal(body.error.param, "reasoning.effort");
    assert.equal(
      body.error.message,
      "Unsupported reasoning effort 'minimal' for the 'gpt-5.2-codex' model. Supported values are: 'low', 'medium', 'high', and 'xhigh'.",
    );
    const chat = await h.post("/v1/chat/completions", { model: "gpt-5.4", reasoning_effort: "ultra", messages: [{ role: "user", content: "x" }] });
    assert.equal(chat.status, 400);
    assert.equal((await chat.json()).error.param, "reasoning_effort");
    assert.equal(h.emulator.calls.length, 0, "nothing reached the backend");
  });

  test("every proxied response carries a parseable Server-Timing header", async () => {
    h = createHarness();
    for (const [path, body] of [
      ["/v1/responses", { input: "x" }],
      ["/v1/responses", { input: "x", stream: true }],
      ["/v1/chat/completions", { messages: [{ role: "user", content: "x" }], stream: true }],
    ] as const) {
      const response = await h.post(path, body);
      const header = response.headers.get("server-timing") ?? "";
      await response.text();
      const metrics = Object.fromEntries(
        header.split(/,\s*/).map((entry) => {
          const [name, ...params] = entry.split(";");
          const dur = params.find((p) => p.startsWith("dur="));
          return [name, Number(dur?.slice(4))];
        }),
      );
      assert.deepEqual(Object.keys(metrics).sort(), ["proxy", "upstream"], header);
      assert.ok(Number.isFinite(metrics.proxy) && Number.isFinite(metrics.upstream), header);
    }
  });

  test("errors after the upstream call carry Server-Timing too (issue 18 item 4): passed-on 4xx, 429, 5xx, a failed stream, in both dialects", async () => {
    h = createHarness();
    const cases: [string, (h: Harness) => void, string, unknown, number][] = [
      ["passed-on 400", (x) => x.emulator.enqueue("http-error", { httpError: "unsupported-parameter" }), "/v1/responses", { input: "x" }, 400],
      ["usage limit 429", (x) => x.emulator.enqueue("usage-limit"), "/v1/chat/completions", { messages: [{ role: "user", content: "x" }] }, 429],
      ["backend 500", (x) => x.emulator.enqueue("http-error", { httpError: "internal-500" }), "/v1/responses", { input: "x", stream: true }, 502],
      ["response.failed, stream: false", (x) => x.emulator.enqueue("failed"), "/v1/chat/completions", { messages: [{ role: "user", content: "x" }] }, 502],
      [
        "Anthropic 400",
        (x) => x.emulator.enqueue("http-error", { httpError: "unsupported-parameter" }),
        "/v1/messages",
        { model: "claude-sonnet", max_tokens: 10, messages: [{ role: "user", content: "x" }] },
        400,
      ],
    ];
    for (const [name, arrange, path, body, status] of cases) {
      arrange(h);
      const response = await h.post(path, body);
      await response.text();
      assert.equal(response.status, status, name);
      assert.match(response.headers.get("server-timing") ?? "", /^proxy;dur=\d+, upstream;dur=\d+$/, name);
    }
    const refused = await h.post("/v1/responses", { input: 5 });
    assert.equal(refused.status, 400);
    assert.equal(refused.headers.get("server-timing"), null, "a request refused before the upstream call has no upstream time");
  });

  test("/metrics carries the quota as gauges: windows from the headers, then from codex.rate_limits, credits, and the usage-limit hold", async () => {
    h = createHarness({ argv: ["--metrics"] });
    const first = parseMetrics(await (await h.get("/metrics")).text());
    assert.equal(first.get('godex_quota_used_percent{window="primary"}'), undefined, "nothing before the backend said anything");
    assert.equal(first.get("godex_quota_limited"), 0);
    await (await h.post("/v1/responses", { input: "x" })).text();
    const headers = parseMetrics(await (await h.get("/metrics")).text());
    assert.equal(headers.get('godex_quota_used_percent{window="primary"}'), 12);
    assert.equal(headers.get('godex_quota_window_minutes{window="primary"}'), 300);
    assert.equal(headers.get('godex_quota_window_minutes{window="secondary"}'), 10080);
    assert.ok((headers.get('godex_quota_resets_at_seconds{window="primary"}') ?? 0) > h.now() / 1000);
    h.emulator.enqueue("text", {
      rateLimits: {
        ...RATE_LIMITS_SAMPLE,
        rate_limits: { ...RATE_LIMITS_SAMPLE.rate_limits, primary: { used_percent: 42, window_minutes: 60, reset_after_seconds: 100 } },
      },
    });
    await (await h.post("/v1/responses", { input: "x", stream: true })).text();
    const event = parseMetrics(await (await h.get("/metrics")).text());
    assert.equal(event.get('godex_quota_used_percent{window="primary"}'), 42, "the stream event's window");
    assert.equal(event.get('godex_quota_window_minutes{window="primary"}'), 60);
    assert.equal(event.get("godex_quota_credits_balance"), 0);
    h.emulator.enqueue("usage-limit");
    assert.equal((await h.post("/v1/responses", { input: "x" })).status, 429);
    assert.equal(parseMetrics(await (await h.get("/metrics")).text()).get("godex_quota_limited"), 1);
  });

  test("/metrics is off by default and, with --metrics, its counters move by the expected amounts", async () => {
    h = createHarness();
    assert.equal((await h.get("/metrics")).status, 404);
    h.close();
    h = createHarness({ argv: ["--metrics"] });
    assert.equal((await h.get("/metrics", { authorization: "Bearer nope" })).status, 401);
    const before = parseMetrics(await (await h.get("/metrics")).text());
    const tools = [{ type: "function", name: "f", parameters: { type: "object", properties: {} } }];
    const first = await (await h.post("/v1/responses", { input: "CALL_TOOL f {}", tools, instructions: "PRIVATE-INSTRUCTIONS", user: "metrics-user" })).json();
    const callId = first.output.find((i: Json) => i.type === "function_call").call_id;
    await (
      await h.post("/v1/responses", { input: [{ type: "function_call_output", call_id: callId, output: "ok" }], tools, user: "metrics-user", stream: true })
    ).text();
    await (await h.post("/v1/responses", { input: "x" }, { remoteAddress: "10.0.0.9" })).text();
    assert.equal((await h.post("/v1/responses", { input: 5 })).status, 400);
    const text = await (await h.get("/metrics")).text();
    for (const secret of ["PRIVATE-INSTRUCTIONS", "metrics-user", "10.0.0.9", callId]) assert.ok(!text.includes(secret), secret);
    const after = parseMetrics(text);
    const delta = (key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);
    assert.equal(delta('godex_requests_total{route="/v1/responses",status="200"}'), 3);
    assert.equal(delta('godex_requests_total{route="/v1/responses",status="400"}'), 1);
    assert.equal(delta('godex_upstream_responses_total{status="200"}'), 3);
    assert.equal(delta('godex_instructions_cache_total{source="request"}'), 1);
    assert.equal(delta('godex_instructions_cache_total{source="cache"}'), 1);
    assert.equal(delta('godex_instructions_cache_total{source="default"}'), 1);
    assert.equal(delta("godex_tool_call_reconstructions_total"), 1);
    assert.equal(delta('godex_request_duration_seconds_count{route="/v1/responses"}'), 4);
    assert.ok(delta('godex_tokens_total{kind="input"}') > 0);
    assert.equal(after.get("godex_open_streams"), 0);
  });
});
