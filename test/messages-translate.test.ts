// The Messages translator's rules beyond the goldens (issue 17 items 2, 5, 6): model table, effort table, the 400s
// for bad input, and the Anthropic error table.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ProxyError, isProxyError } from "../src/errors.ts";
import { clampEffort, DEFAULT_CLAUDE_MODELS, parseClaudeModels, resolveClaudeModel } from "../src/models/claude-models.ts";
import { countTokensRequestSchema, messagesRequestSchema } from "../src/schemas/messages-request.ts";
import { toAnthropicError } from "../src/translate/messages-errors.ts";
import { MAX_IMAGE_BYTES, toUpstreamFromMessages } from "../src/translate/messages-to-upstream.ts";
import { fromThinkingSignature, toThinkingSignature } from "../src/translate/messages-signature.ts";
import { parseConfig } from "../src/config/parse-config.ts";

const TABLE = parseClaudeModels(DEFAULT_CLAUDE_MODELS) as Exclude<ReturnType<typeof parseClaudeModels>, string>;
const translate = (body: Record<string, unknown>) =>
  toUpstreamFromMessages(countTokensRequestSchema.parse({ model: "claude-sonnet-4-5", messages: [{ role: "user", content: "hi" }], ...body }), {
    model: "gpt-5.4",
    claudeModels: TABLE,
  });
const badRequestOf = (run: () => unknown): ProxyError => {
  try {
    run();
  } catch (error) {
    if (isProxyError(error)) return error;
    throw error;
  }
  assert.fail("expected a ProxyError");
};

describe("Claude model table", () => {
  test("the default table: opus → gpt-5.5 at high, sonnet → --model, haiku → gpt-5.4-mini, Codex ids unchanged", () => {
    assert.deepEqual(resolveClaudeModel("claude-opus-4-5-20251101", TABLE, "gpt-5.4"), { model: "gpt-5.5", effort: "high" });
    assert.deepEqual(resolveClaudeModel("claude-3-opus-20240229", TABLE, "gpt-5.4"), { model: "gpt-5.5", effort: "high" });
    assert.deepEqual(resolveClaudeModel("claude-sonnet-4-5", TABLE, "gpt-5.4"), { model: "gpt-5.4" });
    assert.deepEqual(resolveClaudeModel("claude-3-5-haiku-20241022", TABLE, "gpt-5.4"), { model: "gpt-5.4-mini" });
    assert.deepEqual(resolveClaudeModel("claude-next", TABLE, "gpt-5.4"), { model: "gpt-5.4" }, "an unknown Claude family → --model");
    assert.deepEqual(resolveClaudeModel("gpt-5.6-sol", TABLE, "gpt-5.4"), { model: "gpt-5.6-sol" });
  });

  test("a longer family wins and an effort the model lacks is clamped down", () => {
    const table = parseClaudeModels("opus=gpt-5.5,opus-4-5=gpt-5.6-sol:ultra,haiku=gpt-5.4-mini:none");
    assert.ok(Array.isArray(table));
    assert.deepEqual(resolveClaudeModel("claude-opus-4-5", table, "x"), { model: "gpt-5.6-sol", effort: "ultra" });
    assert.deepEqual(resolveClaudeModel("claude-opus-4-1", table, "x"), { model: "gpt-5.5" });
    assert.deepEqual(resolveClaudeModel("claude-haiku-4-5", table, "x"), { model: "gpt-5.4-mini", effort: "low" });
    assert.equal(clampEffort("gpt-5.4", "max"), "xhigh");
    assert.equal(clampEffort("unknown-model", "max"), "max");
  });

  test("--claude-models and GODEX_PROXY_CLAUDE_MODELS parse; a bad entry is a flag error", () => {
    const flag = parseConfig({ argv: ["--api-key", "k", "--claude-models", "sonnet=gpt-5.5:low"], env: {}, home: "/h" });
    assert.equal(flag.kind, "config");
    if (flag.kind === "config") assert.deepEqual(flag.config.claudeModels, [{ family: "sonnet", model: "gpt-5.5", effort: "low" }]);
    const env = parseConfig({ argv: ["--api-key", "k"], env: { GODEX_PROXY_CLAUDE_MODELS: "opus=gpt-5.4" }, home: "/h" });
    if (env.kind === "config") assert.deepEqual(env.config.claudeModels, [{ family: "opus", model: "gpt-5.4" }]);
    else assert.fail(JSON.stringify(env));
    const bad = parseConfig({ argv: ["--api-key", "k", "--claude-models", "opus=gpt-5.5:fast"], env: {}, home: "/h" });
    assert.equal(bad.kind, "error");
    if (bad.kind === "error") assert.match(bad.message, /^--claude-models: expected a comma list of family=model\[:effort\]/);
  });
});

describe("Messages translator rules", () => {
  test("reasoning effort: output_config.effort, then budget_tokens, then disabled → weakest, then the slot", () => {
    assert.deepEqual(translate({ output_config: { effort: "max" } }).draft.reasoning, { effort: "xhigh" });
    assert.deepEqual(translate({ thinking: { type: "enabled", budget_tokens: 2048 } }).draft.reasoning, { effort: "low", summary: "auto" });
    assert.deepEqual(translate({ thinking: { type: "enabled", budget_tokens: 20_000 } }).draft.reasoning, { effort: "high", summary: "auto" });
    assert.deepEqual(translate({ thinking: { type: "enabled", budget_tokens: 64_000 } }).draft.reasoning, { effort: "xhigh", summary: "auto" });
    assert.deepEqual(translate({ thinking: { type: "disabled" } }).draft.reasoning, { effort: "none" });
    assert.deepEqual(translate({ model: "claude-opus-4-5" }).draft.reasoning, { effort: "high" });
    assert.equal(translate({}).draft.reasoning, undefined, "no thinking, no slot effort: the backend's default");
    assert.deepEqual(translate({ thinking: { type: "adaptive", display: "omitted" } }).thinking, "omitted");
    assert.equal(badRequestOf(() => translate({ output_config: { effort: "turbo" } })).param, "output_config.effort");
  });

  test("tool_choice: any → required, tool{name} → only that tool and required, none → none, undeclared name → 400", () => {
    const tools = [
      { name: "a", input_schema: { type: "object", properties: {} } },
      { name: "b", description: "B" },
    ];
    assert.equal(translate({ tools, tool_choice: { type: "any" } }).draft.tool_choice, "required");
    const forced = translate({ tools, tool_choice: { type: "tool", name: "b", disable_parallel_tool_use: true } }).draft;
    assert.deepEqual(forced.tools, [{ type: "function", name: "b", description: "B", strict: false, parameters: { type: "object", properties: {} } }]);
    assert.equal(forced.tool_choice, "required");
    assert.equal(forced.parallel_tool_calls, false);
    assert.equal(translate({ tools, tool_choice: { type: "none" } }).draft.tool_choice, "none");
    assert.equal(badRequestOf(() => translate({ tools, tool_choice: { type: "tool", name: "c" } })).param, "tool_choice.name");
  });

  test("an image over 5 MB is a 400 naming the block; 5 MB exactly passes", () => {
    const data = (bytes: number) => "A".repeat(Math.ceil(bytes / 3) * 4);
    const image = (bytes: number) => ({ role: "user", content: [{ type: "image", source: { type: "base64", media_type: "image/png", data: data(bytes) } }] });
    const error = badRequestOf(() => translate({ messages: [image(MAX_IMAGE_BYTES + 3)] }));
    assert.equal(error.param, "messages[0].content[0].source.data");
    assert.match(error.message, /image exceeds 5 MB maximum/);
    assert.doesNotThrow(() => translate({ messages: [image(MAX_IMAGE_BYTES - 2)] }));
  });

  test("blocks in the wrong role and Files API sources are 400s naming the block", () => {
    const inUser = badRequestOf(() => translate({ messages: [{ role: "user", content: [{ type: "tool_use", id: "t", name: "n", input: {} }] }] }));
    assert.equal(inUser.param, "messages[0].content[0].type");
    const inAssistant = badRequestOf(() =>
      translate({
        messages: [
          { role: "user", content: "x" },
          { role: "assistant", content: [{ type: "tool_result", tool_use_id: "t", content: "x" }] },
        ],
      }),
    );
    assert.equal(inAssistant.param, "messages[1].content[0].type");
    const file = badRequestOf(() => translate({ messages: [{ role: "user", content: [{ type: "image", source: { type: "file", file_id: "file_1" } }] }] }));
    assert.equal(file.param, "messages[0].content[0].source");
  });

  test("the schema rejects a missing max_tokens (messages only), a missing or empty messages and an unknown block type", () => {
    const base = { model: "claude-sonnet-4-5", max_tokens: 10, messages: [{ role: "user", content: "hi" }] };
    const issue = (schema: typeof messagesRequestSchema, body: unknown) => {
      const parsed = schema.safeParse(body);
      assert.equal(parsed.success, false);
      return parsed.error?.issues[0]?.path.join(".");
    };
    assert.equal(issue(messagesRequestSchema, { ...base, max_tokens: undefined }), "max_tokens");
    assert.equal(countTokensRequestSchema.safeParse({ ...base, max_tokens: undefined }).success, true);
    assert.equal(issue(messagesRequestSchema, { ...base, messages: undefined }), "messages");
    assert.equal(issue(messagesRequestSchema, { ...base, messages: [] }), "messages");
    assert.equal(issue(messagesRequestSchema, { ...base, messages: [{ role: "user", content: [{ type: "video", url: "x" }] }] }), "messages.0.content.0.type");
  });

  test("a thinking signature round-trips only when this proxy issued it", () => {
    assert.equal(fromThinkingSignature(toThinkingSignature("gAAAA==")), "gAAAA==");
    assert.equal(fromThinkingSignature("EqQBCkgIARAB"), undefined);
    assert.equal(fromThinkingSignature(undefined), undefined);
  });
});

describe("Anthropic error table", () => {
  const render = (error: ProxyError) => {
    const out = toAnthropicError(error);
    return [out.status, out.body.error.type];
  };
  test("each kind gets Anthropic's status and type", () => {
    assert.deepEqual(render(new ProxyError("bad_request", { message: "x" })), [400, "invalid_request_error"]);
    assert.deepEqual(render(new ProxyError("unauthorized", { message: "x" })), [401, "authentication_error"]);
    assert.deepEqual(render(new ProxyError("upstream_error", { upstream: { status: 403 }, message: "x", code: "usage_not_included" })), [
      403,
      "permission_error",
    ]);
    assert.deepEqual(render(new ProxyError("not_found", { message: "x" })), [404, "not_found_error"]);
    assert.deepEqual(render(new ProxyError("payload_too_large", { message: "x" })), [413, "request_too_large"]);
    assert.deepEqual(render(new ProxyError("unsupported_media_type", { message: "x" })), [415, "invalid_request_error"]);
    assert.deepEqual(render(new ProxyError("rate_limited", { message: "x" })), [429, "rate_limit_error"]);
    assert.deepEqual(render(new ProxyError("upstream_unavailable", { message: "x", upstream: { status: 500 } })), [502, "api_error"]);
    assert.deepEqual(render(new ProxyError("upstream_unavailable", { message: "x", upstream: { status: 503 } })), [529, "overloaded_error"]);
    assert.deepEqual(render(new ProxyError("upstream_error", { upstream: { status: 503 }, message: "x", code: "server_is_overloaded" })), [
      529,
      "overloaded_error",
    ]);
    assert.deepEqual(render(new ProxyError("upstream_timeout", { message: "x" })), [504, "timeout_error"]);
    const internal = toAnthropicError(new Error("secret detail"));
    assert.deepEqual([internal.status, internal.body.error.type, internal.body.error.message], [500, "api_error", "internal error"]);
  });

  test("a usage-limit 429 keeps retry-after, names the reset time and tells the SDK not to retry", () => {
    const error = new ProxyError("rate_limited", {
      message: "The usage limit has been reached",
      code: "usage_limit_reached",
      headers: { "retry-after": "13872" },
      extra: { resets_at: 1777936568 },
    });
    const out = toAnthropicError(error);
    assert.equal(out.headers["retry-after"], "13872");
    assert.equal(out.headers["x-should-retry"], "false");
    assert.equal(out.body.error.message, "The usage limit has been reached The limit resets at 2026-05-04T23:16:08Z.");
    assert.equal(toAnthropicError(new ProxyError("rate_limited", { message: "busy", code: "proxy_busy" })).headers["x-should-retry"], undefined);
  });

  test("context_length_exceeded says `prompt is too long`", () => {
    const out = toAnthropicError(
      new ProxyError("upstream_error", { upstream: { status: 400 }, message: "Your input exceeds the context window.", code: "context_length_exceeded" }),
    );
    assert.equal(out.body.error.message, "prompt is too long: Your input exceeds the context window.");
  });
});
