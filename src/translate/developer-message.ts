// System text that arrives after the conversation began (issue 19 item 5). Folding it into `instructions`, as the
// leading system text is (docs/backend.md §9.2), would change the first bytes of every later request and lose the
// whole cached prefix; a developer message in its place keeps what came before it. The backend accepts developer
// messages in `input` [OBSERVED: the Codex CLI 0.169 captures send them, fixtures/codex-cli-0.169]; it rejects
// `role: "system"` items (§4.5).
import type { JsonObject } from "../json.ts";

/** A developer message item with one input_text part per text. */
export const developerMessage = (...texts: string[]): JsonObject => ({
  type: "message",
  role: "developer",
  content: texts.map((text) => ({ type: "input_text", text })),
});
