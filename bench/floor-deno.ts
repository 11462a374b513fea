// Deno's floor for held streams (bench/memory.ts): Deno.serve plus fetch to the emulator with no proxy logic.
// `native` returns the upstream body untouched (Deno pipes it inside the runtime); `transform` passes it through one
// empty TransformStream, the least any proxy that reads its events must do. Run: deno run -A bench/floor-deno.ts <upstream> <mode>
declare const Deno: {
  args: string[];
  readTextFileSync(path: string): string;
  serve(options: { hostname: string; port: number; onListen?: () => void }, handler: (request: Request) => Promise<Response>): { addr: { port: number } };
};

const [upstream, mode] = Deno.args as [string, "native" | "transform"];
const token = JSON.parse(Deno.readTextFileSync("test/fixtures/codex/auth.json")).tokens.access_token as string;
const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (request) => {
  const { input } = await request.json();
  const answer = await fetch(`${upstream}/responses`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "chatgpt-account-id": "3f6b1c2e-8d4a-4f0b-9c7e-5a1d2b3c4e5f", "content-type": "application/json" },
    body: JSON.stringify({
      model: "gpt-5.2-codex",
      instructions: "bench",
      input: [{ type: "message", role: "user", content: [{ type: "input_text", text: input }] }],
      tools: [],
      tool_choice: "auto",
      parallel_tool_calls: false,
      store: false,
      stream: true,
    }),
    signal: request.signal,
  });
  const body = mode === "native" ? answer.body : answer.body?.pipeThrough(new TransformStream());
  return new Response(body, { headers: { "content-type": "text/event-stream" } });
});
console.log(`listening on http://127.0.0.1:${server.addr.port}/ `);
