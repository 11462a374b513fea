// A client that goes away is counted as what it is (issue 15 item 4): status 499 and outcome client_closed in the
// request's log line and in godex_requests_total, whether it leaves mid-stream or before its body has arrived; no
// error-level line and no 500 for it. Over real sockets against the runtime entry.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import type { Emulator } from "./emulator/index.ts";
import type { SpawnedProxy } from "./support/spawn-proxy.ts";
import { type ProxyOverEmulator, startProxyOverEmulator } from "./support/proxy-over-emulator.ts";
import { RUNTIME } from "./support/runtime.ts";
import { waitFor } from "./support/wait-for.ts";

const KEY = "closed-key";

describe(`a client that disconnects, on ${RUNTIME}`, () => {
  let emulator: Emulator;
  let proxy: SpawnedProxy;
  const metricLine = async (route: string, status: string): Promise<number> => {
    const text = await (await fetch(`${proxy.url}/metrics`, { headers: { authorization: `Bearer ${KEY}` } })).text();
    const line = text.split("\n").find((l) => l.startsWith(`godex_requests_total{route="${route}",status="${status}"}`));
    return line === undefined ? 0 : Number(line.split(" ").at(-1));
  };
  const requestLines = () =>
    proxy
      .output()
      .split("\n")
      .filter((l) => l.includes("msg=request "));

  let setup: ProxyOverEmulator | undefined;
  before(async () => {
    setup = await startProxyOverEmulator("closed", ["--api-key", KEY, "--metrics", "--log-requests"]);
    ({ emulator, proxy } = setup);
  });
  after(() => setup?.close());

  test("mid-stream: the request line and godex_requests_total say 499 client_closed, not 200", async () => {
    emulator.enqueue("slow", { delayBetweenEventsMs: 100 });
    const controller = new AbortController();
    const response = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ messages: [{ role: "user", content: "x" }], stream: true }),
      signal: controller.signal,
    });
    assert.equal(response.status, 200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    controller.abort();
    await reader.cancel().catch(() => undefined);
    assert.ok(await waitFor(() => requestLines().some((l) => l.includes("path=/v1/chat/completions"))), proxy.output().slice(-2000));
    const line = requestLines().find((l) => l.includes("path=/v1/chat/completions")) as string;
    assert.match(line, / status=499 /);
    assert.match(line, / upstream=200 /);
    assert.match(line, / outcome=client_closed/);
    assert.equal(await metricLine("/v1/chat/completions", "499"), 1);
    assert.equal(await metricLine("/v1/chat/completions", "200"), 0);
    // The relay's pull that was waiting when the client left touches the closed stream no more (no error line).
    assert.doesNotMatch(proxy.output(), /level=error/);
  });

  test("before its body arrived: 499 client_closed in the line and the counter, no 500 and no error line", async () => {
    const { hostname, port } = new URL(proxy.url);
    const body = JSON.stringify({ input: "x" });
    await new Promise<void>((resolve, reject) => {
      const socket = connect({ host: hostname, port: Number(port) }, () => {
        socket.write(
          `POST /v1/responses HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${KEY}\r\n` +
            `Content-Type: application/json\r\nContent-Length: ${body.length + 100}\r\n\r\n${body}`,
          () => setTimeout(() => socket.destroy(), 200),
        );
      });
      socket.on("close", () => resolve());
      socket.on("error", reject);
    });
    assert.ok(await waitFor(() => requestLines().some((l) => l.includes("path=/v1/responses"))), proxy.output().slice(-2000));
    const line = requestLines().find((l) => l.includes("path=/v1/responses")) as string;
    assert.match(line, / status=499 /);
    assert.match(line, / outcome=client_closed/);
    assert.doesNotMatch(proxy.output(), /level=error/);
    assert.equal(await metricLine("/v1/responses", "499"), 1);
    assert.equal(await metricLine("/v1/responses", "500"), 0);
    assert.equal(emulator.calls.length, 1, "only the first test's call reached the backend");
  });
});
