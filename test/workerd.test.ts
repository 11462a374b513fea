// The edge entry (issue #11): the in-memory auth file and bindings → proxy in process on every runtime, then the
// built dist/worker.js on Cloudflare's workerd against the emulator on loopback (once, under node).
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createMemoryAuthFile } from "../src/auth/memory-auth-file.ts";
import { AUTH_SECRET, createEdgeProxy } from "../src/edge-proxy.ts";
import { createEmulator, type Emulator } from "./emulator/index.ts";
import { readSse } from "./support/harness.ts";
import { readFixtureText } from "./support/read-fixture.ts";
import { RUNTIME } from "./support/runtime.ts";
import { serveEmulator, type ServedEmulator } from "./support/serve-emulator.ts";
import { spawnWorkerd, type SpawnedWorkerd } from "./support/spawn-workerd.ts";
import { waitFor } from "./support/wait-for.ts";
import { sessionUuid } from "../src/upstream/upstream-headers.ts";

type Json = Record<string, any>;
const KEY = "edge-key";
const AUTH_JSON = readFixtureText("codex/auth.json");
/** One workerd run per suite is enough: the worker bundle does not change with the runtime running the tests. */
const WORKERD_SKIP: string | false = RUNTIME === "node" ? false : "workerd cases run once, under node";

describe("createMemoryAuthFile", () => {
  test("read gives the secret's text; a missing or blank secret reads as no file", async () => {
    const file = createMemoryAuthFile({ path: "secret X", text: AUTH_JSON });
    assert.equal(file.path, "secret X");
    assert.equal(await file.read(), AUTH_JSON);
    assert.notEqual(await file.version(), null);
    for (const text of [undefined, "", "  \n"]) {
      const none = createMemoryAuthFile({ path: "secret X", text });
      assert.equal(await none.read(), null);
      assert.equal(await none.version(), null);
    }
  });

  test("writeAtomic keeps the new text in this object only and changes the version", async () => {
    const file = createMemoryAuthFile({ path: "secret X", text: AUTH_JSON });
    const before = await file.version();
    await file.writeAtomic('{"refreshed":true}');
    assert.equal(await file.read(), '{"refreshed":true}');
    assert.notEqual(await file.version(), before);
    const fresh = createMemoryAuthFile({ path: "secret X", text: AUTH_JSON });
    assert.equal(await fresh.read(), AUTH_JSON, "a new isolate starts again from the secret");
  });

  test("lock is exclusive: the second holder waits for the first one's release", async () => {
    const file = createMemoryAuthFile({ path: "secret X", text: AUTH_JSON });
    const order: string[] = [];
    const releaseFirst = await file.lock();
    const second = file.lock().then(async (release) => {
      order.push("second acquired");
      await release();
    });
    await new Promise((r) => setTimeout(r, 20));
    order.push("first releases");
    await releaseFirst();
    await second;
    assert.deepEqual(order, ["first releases", "second acquired"]);
    const third = await file.lock(); // and the lock is free again
    await third();
  });
});

describe("createEdgeProxy from bindings (in process)", () => {
  const build = (bindings: Record<string, unknown>, emulator = createEmulator()) => {
    const logs: string[] = [];
    const proxy = createEdgeProxy(bindings, {
      fetch: ((input: RequestInfo | URL, init?: RequestInit) => emulator.fetch(new Request(input, init))) as typeof fetch,
      now: Date.now,
      randomId: () => crypto.randomUUID(),
      write: (line) => logs.push(line),
    });
    const get = (path: string, key = KEY) => proxy.fetch(new Request(`http://edge.test${path}`, { headers: { authorization: `Bearer ${key}` } }));
    return { proxy, logs, get, emulator };
  };

  test("GODEX_PROXY_* bindings configure the proxy like the environment does; listen, file and Redis ones are ignored with a warning", async () => {
    const edge = build({
      GODEX_PROXY_API_KEY: KEY,
      GODEX_PROXY_MODEL: "gpt-5.4",
      GODEX_PROXY_LOG_LEVEL: "debug",
      GODEX_PROXY_LISTEN: "not a host:port",
      GODEX_PROXY_STORE: "redis://cache.example:6379/0",
      GODEX_PROXY_MAX_STREAMS: 2, // wrangler [vars] may be numbers or booleans
      GODEX_PROXY_ALLOW_REFRESH: false,
      [AUTH_SECRET]: AUTH_JSON,
      SOMETHING_ELSE: { ignored: true },
    });
    const health = await (await edge.get("/health")).json();
    assert.equal(health.model, "gpt-5.4");
    assert.equal(health.credentials.path, `secret ${AUTH_SECRET}`);
    assert.equal(health.credentials.loaded, true);
    assert.equal((await (await edge.get("/v1/models")).json()).data[0].id, "gpt-5.4");
    assert.equal((await edge.get("/v1/models", "wrong")).status, 401);
    for (const name of ["GODEX_PROXY_LISTEN", "GODEX_PROXY_STORE"]) {
      assert.ok(
        edge.logs.some((l) => new RegExp(`level=warn .*${name} has no effect at the edge`).test(l)),
        edge.logs.join("\n"),
      );
    }
    assert.ok(
      edge.logs.some((l) => /level=debug msg="auth\.json loaded"/.test(l)),
      "the log level binding took effect",
    );
  });

  test("an invalid binding answers every request with a 500 that names it, logged once", async () => {
    const edge = build({ GODEX_PROXY_API_KEY: KEY, GODEX_PROXY_CACHE_TTL: "six", [AUTH_SECRET]: AUTH_JSON });
    for (const path of ["/health", "/v1/models"]) {
      const response = await edge.get(path);
      assert.equal(response.status, 500);
      const body = await response.json();
      assert.equal(body.error.code, "proxy_misconfigured");
      assert.match(body.error.message, /GODEX_PROXY_CACHE_TTL .*"six"/);
    }
    assert.equal(edge.logs.length, 1);
    assert.match(edge.logs[0] as string, /level=error .*GODEX_PROXY_CACHE_TTL/);
  });

  test("without the credentials secret: a warning saying how to set it, and requests fail with 401 naming it", async () => {
    const edge = build({ GODEX_PROXY_API_KEY: KEY });
    const response = await edge.proxy.fetch(
      new Request("http://edge.test/v1/responses", {
        method: "POST",
        headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ input: "x" }),
      }),
    );
    assert.equal(response.status, 401);
    assert.match((await response.json()).error.message, new RegExp(`secret ${AUTH_SECRET}`));
    assert.ok(
      edge.logs.some((l) => l.includes(`wrangler secret put ${AUTH_SECRET}`)),
      edge.logs.join("\n"),
    );
    assert.equal(edge.emulator.calls.length, 0);
  });
});

// Bun hides a skipped describe and neither Bun nor Deno prints a skip's reason, so the reason is in the name too.
if (WORKERD_SKIP) test(`dist/worker.js on workerd (skipped on ${RUNTIME}: ${WORKERD_SKIP})`, { skip: WORKERD_SKIP }, () => {});
else
  describe("dist/worker.js on workerd", () => {
    describe("core cases against the emulator", () => {
      let emulator: Emulator;
      let served: ServedEmulator;
      let worker: SpawnedWorkerd;
      const post = (path: string, body: unknown, init: { headers?: Record<string, string>; signal?: AbortSignal } = {}) =>
        fetch(`${worker.url}${path}`, {
          method: "POST",
          headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json", ...init.headers },
          body: JSON.stringify(body),
          signal: init.signal,
        });

      before(async () => {
        emulator = createEmulator();
        served = await serveEmulator(emulator);
        worker = await spawnWorkerd({
          bindings: {
            GODEX_PROXY_API_KEY: KEY,
            GODEX_PROXY_MODEL: "gpt-5.4",
            GODEX_PROXY_BASE_URL: served.baseUrl,
            GODEX_PROXY_TOKEN_URL: served.tokenUrl,
            GODEX_PROXY_CACHE_TTL: "30m",
            GODEX_PROXY_LOG_LEVEL: "debug",
            [AUTH_SECRET]: AUTH_JSON,
          },
        });
      });
      after(async () => {
        await worker?.stop();
        await served?.close();
      });

      test("GET /health answers without a key and shows the credentials from the secret, never a token", async () => {
        const response = await fetch(`${worker.url}/health`);
        assert.equal(response.status, 200);
        const text = await response.text();
        const health = JSON.parse(text);
        assert.equal(health.status, "ok");
        assert.equal(health.model, "gpt-5.4");
        assert.deepEqual([health.credentials.path, health.credentials.loaded, health.credentials.account_id_present], [`secret ${AUTH_SECRET}`, true, true]);
        assert.doesNotMatch(text, /eyJ|refresh-token/);
      });

      test("GET /v1/models lists the model binding first", async () => {
        const response = await fetch(`${worker.url}/v1/models`, { headers: { authorization: `Bearer ${KEY}` } });
        assert.equal(response.status, 200);
        const body = await response.json();
        assert.equal(body.object, "list");
        assert.equal(body.data[0].id, "gpt-5.4");
      });

      test("a missing or wrong client key is a 401 envelope and never reaches the backend", async () => {
        const calls = emulator.calls.length;
        for (const headers of [{}, { authorization: "Bearer wrong" }] as Record<string, string>[]) {
          const response = await fetch(`${worker.url}/v1/responses`, {
            method: "POST",
            headers: { ...headers, "content-type": "application/json" },
            body: '{"input":"x"}',
          });
          assert.equal(response.status, 401);
          assert.equal((await response.json()).error.type, "invalid_request_error");
        }
        assert.equal(emulator.calls.length, calls);
      });

      test("a Responses stream with a tool call; turn two sends only the output and the worker re-inserts the call", async () => {
        const tools = [{ type: "function", name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } }];
        const headers = { "x-openclaw-session-key": "edge-tool" };
        const first = await post(
          "/v1/responses",
          { instructions: "Weather bot.", input: 'CALL_TOOL get_weather {"city":"Paris"}', tools, stream: true },
          { headers },
        );
        assert.equal(first.status, 200);
        assert.match(first.headers.get("content-type") ?? "", /^text\/event-stream/);
        const frames = await readSse(first);
        const done = frames.filter((f) => f.event === "response.output_item.done").map((f) => (f.data as Json).item);
        const call = done.find((item: Json) => item.type === "function_call");
        assert.deepEqual([call?.name, call?.arguments], ["get_weather", '{"city":"Paris"}']);
        assert.deepEqual([frames.at(-2)?.event, frames.at(-1)?.data], ["response.completed", "[DONE]"]);
        assert.equal((emulator.calls.at(-1)?.body as Json).model, "gpt-5.4", "the model binding is the default");

        const second = await post(
          "/v1/responses",
          { input: [{ type: "function_call_output", call_id: call.call_id, output: "21C and sunny" }], tools, stream: true },
          { headers },
        );
        const completed = (await readSse(second)).find((f) => f.event === "response.completed")?.data as Json;
        const upstream = emulator.calls.at(-1)?.body as Json;
        assert.deepEqual(upstream.input[0], { type: "function_call", call_id: call.call_id, name: "get_weather", arguments: '{"city":"Paris"}' });
        assert.equal(upstream.input[1].type, "function_call_output");
        assert.equal(upstream.instructions, "Weather bot.");
        assert.equal(completed.response.output.find((i: Json) => i.type === "message").content[0].text, "tool said: 21C and sunny");
      });

      test("a chat stream ends with finish_reason, the usage chunk and [DONE]", async () => {
        emulator.enqueue("text", { text: "edge hello", deltas: 3 });
        const frames = await readSse(
          await post("/v1/chat/completions", { messages: [{ role: "user", content: "hi" }], stream: true, stream_options: { include_usage: true } }),
        );
        assert.equal(frames.at(-1)?.data, "[DONE]");
        const usage = frames.at(-2)?.data as Json;
        assert.deepEqual(usage.choices, []);
        assert.equal(usage.usage.total_tokens, usage.usage.prompt_tokens + usage.usage.completion_tokens);
        assert.ok(usage.usage.prompt_tokens > 0);
        assert.equal((frames.at(-3)?.data as Json).choices[0].finish_reason, "stop");
        const text = frames
          .slice(0, -2)
          .map((f) => (f.data as Json).choices[0]?.delta.content ?? "")
          .join("");
        assert.equal(text, "edge hello");
      });

      test("Anthropic Messages (x-api-key): a tool_use stream, the tool_result turn, count_tokens and HEAD / on the worker", async () => {
        const headers = { "x-api-key": KEY, authorization: "", "anthropic-version": "2023-06-01", "x-claude-code-session-id": "edge-claude" };
        const tools = [{ name: "get_weather", input_schema: { type: "object", properties: { city: { type: "string" } } } }];
        const ask = { model: "claude-sonnet-4-5", max_tokens: 100, tools, messages: [{ role: "user", content: 'CALL_TOOL get_weather {"city":"Paris"}' }] };
        const first = await post("/v1/messages?beta=true", { ...ask, stream: true }, { headers });
        assert.equal(first.status, 200);
        const events = (await readSse(first)).map((f) => f.data as Json);
        const use = events.find((e) => e.type === "content_block_start" && e.content_block.type === "tool_use")?.content_block;
        assert.equal(use?.name, "get_weather");
        assert.equal(events.at(-1)?.type, "message_stop");
        const followUp = { ...ask, messages: [...ask.messages, { role: "user", content: [{ type: "tool_result", tool_use_id: use.id, content: "21C" }] }] };
        const second = (await (await post("/v1/messages", followUp, { headers })).json()) as Json;
        assert.deepEqual(second.content, [{ type: "text", text: "tool said: 21C" }], "the dropped tool_use came back from session memory");
        const counted = (await (await post("/v1/messages/count_tokens", ask, { headers })).json()) as Json;
        assert.ok(counted.input_tokens > 5, JSON.stringify(counted));
        assert.equal((await fetch(`${worker.url}/`, { method: "HEAD" })).status, 200);
      });

      test("a client that disconnects mid-stream closes the upstream request", async () => {
        emulator.enqueue("slow", { delayBetweenEventsMs: 100 });
        const controller = new AbortController();
        const response = await post("/v1/responses", { input: "x", stream: true }, { signal: controller.signal });
        const reader = (response.body as ReadableStream<Uint8Array>).getReader();
        await reader.read();
        const call = emulator.calls.at(-1);
        assert.equal(call?.aborted, false);
        controller.abort();
        await reader.cancel().catch(() => undefined);
        assert.ok(await waitFor(() => call?.aborted === true), "the emulator saw the abort");
        assert.equal(call?.finished, false);
        assert.ok(await waitFor(() => emulator.openStreams() === 0));
      });

      test("a backend usage limit is a 429 with Retry-After from the reset", async () => {
        emulator.enqueue("usage-limit");
        const response = await post("/v1/responses", { input: "x" });
        assert.equal(response.status, 429);
        const body = await response.json();
        assert.equal(body.error.type, "usage_limit_reached");
        assert.ok(body.error.resets_in_seconds > 0);
        assert.equal(Number(response.headers.get("retry-after")), body.error.resets_in_seconds);
      });

      test("CF-Connecting-IP is the remote address: the session key when the request names none", async () => {
        await (await post("/v1/responses", { input: "x" }, { headers: { "cf-connecting-ip": "203.0.113.9" } })).json();
        // The key goes upstream only as its hash (§13.2: the CLI sends a thread UUID; a client IP is not the backend's business).
        assert.equal((emulator.calls.at(-1)?.body as Json).prompt_cache_key, sessionUuid("ip:203.0.113.9"));
        await (await post("/v1/responses", { input: "x" })).json();
        assert.equal((emulator.calls.at(-1)?.body as Json).prompt_cache_key, sessionUuid("anonymous"));
      });
    });

    describe("with refresh on", () => {
      let emulator: Emulator;
      let served: ServedEmulator;
      let worker: SpawnedWorkerd;

      before(async () => {
        emulator = createEmulator();
        served = await serveEmulator(emulator);
        worker = await spawnWorkerd({
          bindings: {
            GODEX_PROXY_API_KEY: KEY,
            GODEX_PROXY_BASE_URL: served.baseUrl,
            GODEX_PROXY_TOKEN_URL: served.tokenUrl,
            GODEX_PROXY_ALLOW_REFRESH: "true",
            [AUTH_SECRET]: readFixtureText("codex/auth-expired.json"),
          },
        });
      });
      after(async () => {
        await worker?.stop();
        await served?.close();
      });

      test("an expired token is refreshed once and the new one kept in the isolate's memory", async () => {
        const ask = () =>
          fetch(`${worker.url}/v1/responses`, {
            method: "POST",
            headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
            body: '{"input":"x"}',
          });
        const first = await ask();
        assert.equal(first.status, 200, await first.clone().text());
        assert.equal(emulator.tokenCalls.length, 1);
        const minted = (emulator.tokenCalls[0]?.responseBody as Json).access_token as string;
        assert.equal(emulator.calls.at(-1)?.headers.authorization, `Bearer ${minted}`);
        assert.equal((await ask()).status, 200);
        assert.equal(emulator.tokenCalls.length, 1, "the refreshed token is reused, not refreshed again");
        assert.equal(emulator.calls.at(-1)?.headers.authorization, `Bearer ${minted}`);
        const health = await (await fetch(`${worker.url}/health`)).json();
        assert.ok(Date.parse(health.credentials.access_token_expires_at) > Date.now(), "health shows the refreshed expiry");
      });
    });

    describe("without an API key binding", () => {
      let worker: SpawnedWorkerd;
      before(async () => {
        worker = await spawnWorkerd({ bindings: { [AUTH_SECRET]: AUTH_JSON } });
      });
      after(async () => {
        await worker?.stop();
      });

      test("every request gets a 500 naming the missing binding, and the worker's log says so", async () => {
        const response = await fetch(`${worker.url}/health`);
        assert.equal(response.status, 500);
        const body = await response.json();
        assert.equal(body.error.code, "proxy_misconfigured");
        assert.match(body.error.message, /GODEX_PROXY_API_KEY/);
        assert.ok(await waitFor(() => /level=error .*misconfigured/.test(worker.output())), worker.output());
      });
    });
  });
