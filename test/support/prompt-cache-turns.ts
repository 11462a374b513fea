// Multi-turn conversations replayed the way each client shape resends its history (issue 19 item 5), for the
// prompt-cache test and bench/prompt-cache.ts: every turn appends what the model said plus a tool result or a new
// user message, and records the usage the client saw. Against the emulator, CALL_TOOL asks for a tool call.
type Json = Record<string, any>;

export interface TurnUsage {
  input: number;
  cached: number;
}

/** Share of turn N's input that turn N+1 found cached, per turn from the second (1 = all of it). */
export const prefixHits = (turns: readonly TurnUsage[]): number[] => turns.slice(1).map((turn, i) => turn.cached / Math.max(1, (turns[i] as TurnUsage).input));

const weather = {
  name: "get_weather",
  description: "Current weather for a city.",
  parameters: { type: "object", properties: { location: { type: "string" } }, required: ["location"] },
};
const clock = {
  name: "get_time",
  description: "Local time in a city.",
  parameters: { type: "object", properties: { city: { type: "string" }, format: { type: "string", enum: ["12h", "24h"] } }, required: ["city"] },
};
const SYSTEM = "You are a careful travel assistant. Answer briefly, and call a tool whenever a fact could have changed.";
/** Turn i's new user text: every other turn asks for a tool call, with arguments in a client's own spacing. */
const userText = (i: number) => (i % 2 === 0 ? `Turn ${i}: CALL_TOOL get_weather {"location": "City ${i}"}` : `Turn ${i}: thanks, and now something else.`);
const toolResult = (callId: string) => `{"call_id":"${callId}","temperature_c":21,"sky":"clear"}`;

export type Post = (path: string, body: unknown) => Promise<Json>;

/**
 * With `reminderAt`, that turn's new messages start with a mid-conversation system (or developer) message, kept in
 * the history from then on: Claude Code 2.1.154 and later send such reminders (REPORTED, spec/clients.md), and
 * agents add developer notes between turns.
 */
export interface ConversationOptions {
  reminderAt?: number;
}
const REMINDER = "Reminder: the user prefers metric units from now on.";

/** The openai SDK on /v1/chat/completions: system first, assistant tool_calls and tool messages resent. */
export const chatConversation = async (post: Post, turns: number, key: string, options: ConversationOptions = {}): Promise<TurnUsage[]> => {
  const messages: Json[] = [
    { role: "system", content: SYSTEM },
    { role: "user", content: userText(0) },
  ];
  const usage: TurnUsage[] = [];
  for (let i = 0; i < turns; i += 1) {
    const answer = await post("/v1/chat/completions", {
      model: "gpt-5.4",
      messages,
      tools: [weather, clock].map((f) => ({ type: "function", function: f })),
      user: key,
    });
    usage.push({ input: answer.usage.prompt_tokens, cached: answer.usage.prompt_tokens_details.cached_tokens });
    const message = answer.choices[0].message;
    messages.push({ role: "assistant", content: message.content ?? null, ...(message.tool_calls ? { tool_calls: message.tool_calls } : {}) });
    if (message.tool_calls) for (const call of message.tool_calls) messages.push({ role: "tool", tool_call_id: call.id, content: toolResult(call.id) });
    if (options.reminderAt === i + 1) messages.push({ role: "system", content: REMINDER });
    if (!message.tool_calls) messages.push({ role: "user", content: userText(i + 1) });
  }
  return usage;
};

/** A stateless /v1/responses client: output items (reasoning with encrypted_content, calls, messages) resent as received. */
export const responsesConversation = async (post: Post, turns: number, key: string, options: ConversationOptions = {}): Promise<TurnUsage[]> => {
  const input: Json[] = [{ role: "user", content: userText(0) }];
  const usage: TurnUsage[] = [];
  for (let i = 0; i < turns; i += 1) {
    const answer = await post("/v1/responses", {
      model: "gpt-5.4",
      instructions: SYSTEM,
      input,
      tools: [weather, clock].map((f) => ({ type: "function", ...f })),
      reasoning: { effort: "low" },
      include: ["reasoning.encrypted_content"],
      store: false,
      prompt_cache_key: key,
    });
    usage.push({ input: answer.usage.input_tokens, cached: answer.usage.input_tokens_details.cached_tokens });
    input.push(...answer.output);
    const calls = answer.output.filter((item: Json) => item.type === "function_call");
    if (calls.length > 0) for (const call of calls) input.push({ type: "function_call_output", call_id: call.call_id, output: toolResult(call.call_id) });
    if (options.reminderAt === i + 1) input.push({ role: "developer", content: REMINDER });
    if (calls.length === 0) input.push({ role: "user", content: userText(i + 1) });
  }
  return usage;
};

/** An Anthropic client on /v1/messages: tool_use blocks and tool_result blocks resent. */
export const messagesConversation = async (post: Post, turns: number, key: string, options: ConversationOptions = {}): Promise<TurnUsage[]> => {
  const messages: Json[] = [{ role: "user", content: userText(0) }];
  const usage: TurnUsage[] = [];
  const tools = [weather, clock].map((f) => ({ name: f.name, description: f.description, input_schema: f.parameters }));
  for (let i = 0; i < turns; i += 1) {
    const answer = await post("/v1/messages", { model: "claude-sonnet-4-5", max_tokens: 1024, system: SYSTEM, messages, tools, metadata: { user_id: key } });
    const u = answer.usage;
    usage.push({ input: u.input_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens, cached: u.cache_read_input_tokens });
    messages.push({ role: "assistant", content: answer.content });
    const uses = answer.content.filter((block: Json) => block.type === "tool_use");
    if (uses.length > 0)
      messages.push({ role: "user", content: uses.map((b: Json) => ({ type: "tool_result", tool_use_id: b.id, content: toolResult(b.id) })) });
    if (options.reminderAt === i + 1) messages.push({ role: "system", content: `<system-reminder>${REMINDER}</system-reminder>` });
    if (uses.length === 0) messages.push({ role: "user", content: userText(i + 1) });
  }
  return usage;
};
