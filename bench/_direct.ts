// Requests straight to the backend (the emulator), as the floors get them: the backend's own headers (the fixture
// account's token) and body shape, which a bare pipe forwards untouched. Shared by run.ts and memory.ts.
import { readFileSync } from "node:fs";

const TOKEN = (JSON.parse(readFileSync("test/fixtures/codex/auth.json", "utf8")) as { tokens: { access_token: string } }).tokens.access_token;

export const BACKEND_HEADERS = {
  authorization: `Bearer ${TOKEN}`,
  "chatgpt-account-id": "3f6b1c2e-8d4a-4f0b-9c7e-5a1d2b3c4e5f",
  "content-type": "application/json",
};

/** A backend request body with `text` as the user's message (the backend streams every answer). */
export const backendBody = (text: string) =>
  JSON.stringify({
    model: "gpt-5.2-codex",
    instructions: "bench",
    input: [{ type: "message", role: "user", content: [{ type: "input_text", text }] }],
    tools: [],
    tool_choice: "auto",
    parallel_tool_calls: false,
    store: false,
    stream: true,
    prompt_cache_key: "bench",
  });
