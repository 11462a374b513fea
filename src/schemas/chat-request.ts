// Inbound `/v1/chat/completions` body (docs/backend.md §8.1, clients.md §2–§3): lenient, loose objects.
// Only the fields the translator reads are typed; unknown keys survive so the translator can warn about them.
import * as z from "zod";
import { lazySchema, once } from "./lazy-schema.ts";

// Every schema of this body, built together on the first request that needs one (lazy-schema.ts).
const build = () => {
  const textPart = z.looseObject({ type: z.literal("text"), text: z.string() });
  const imagePart = z.looseObject({
    type: z.literal("image_url"),
    image_url: z.union([z.string(), z.looseObject({ url: z.string(), detail: z.enum(["auto", "low", "high", "original"]).nullish() })]),
  });
  const filePart = z.looseObject({
    type: z.literal("file"),
    file: z.looseObject({ file_data: z.string().nullish(), file_id: z.string().nullish(), filename: z.string().nullish() }),
  });
  const audioPart = z.looseObject({ type: z.literal("input_audio"), input_audio: z.looseObject({}) });
  const refusalPart = z.looseObject({ type: z.literal("refusal"), refusal: z.string() });

  /** One element of an array `content`; which types a role may use is the translator's business. */
  const contentPart = z.discriminatedUnion("type", [textPart, imagePart, filePart, audioPart, refusalPart]);
  const content = z.union([z.string(), z.array(contentPart), z.null()]).optional();

  const toolCall = z.looseObject({
    id: z.string().nullish(),
    type: z.literal("function").optional(),
    function: z.looseObject({ name: z.string().min(1), arguments: z.string().nullish() }),
  });

  const message = z.discriminatedUnion("role", [
    z.looseObject({ role: z.literal("system"), content }),
    z.looseObject({ role: z.literal("developer"), content }),
    z.looseObject({ role: z.literal("user"), content }),
    // Echoed `refusal`, `annotations`, `audio` keys from SDK responses are ignored (clients.md §2).
    z.looseObject({ role: z.literal("assistant"), content, tool_calls: z.array(toolCall).nullish() }),
    z.looseObject({ role: z.literal("tool"), content, tool_call_id: z.string().min(1) }),
  ]);

  const functionTool = z.looseObject({
    type: z.literal("function"),
    function: z.looseObject({
      name: z.string().min(1),
      description: z.string().nullish(),
      parameters: z.record(z.string(), z.unknown()).nullish(),
      strict: z.boolean().nullish(),
    }),
  });

  const toolChoice = z.union([
    z.enum(["none", "auto", "required"]),
    z.looseObject({ type: z.string(), function: z.looseObject({ name: z.string().min(1) }).optional() }),
  ]);

  const responseFormat = z.discriminatedUnion("type", [
    z.looseObject({ type: z.literal("text") }),
    z.looseObject({ type: z.literal("json_object") }),
    z.looseObject({
      type: z.literal("json_schema"),
      json_schema: z.looseObject({
        name: z.string().min(1),
        description: z.string().nullish(),
        schema: z.record(z.string(), z.unknown()).nullish(),
        strict: z.boolean().nullish(),
      }),
    }),
  ]);

  /** A chat completions request as OpenAI clients send it (`nullish` where the OpenAI SDK allows `null`). */
  const chatRequestSchema = z.looseObject({
    model: z.string().optional(),
    messages: z.array(message).min(1),
    tools: z.array(functionTool).nullish(),
    tool_choice: toolChoice.nullish(),
    parallel_tool_calls: z.boolean().nullish(),
    response_format: responseFormat.nullish(),
    reasoning_effort: z.string().min(1).nullish(),
    reasoning: z.looseObject({ effort: z.string().min(1).nullish(), summary: z.string().min(1).nullish() }).nullish(),
    verbosity: z.enum(["low", "medium", "high"]).nullish(),
    stream: z.boolean().nullish(),
    stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
    n: z.number().int().min(1).nullish(),
    user: z.string().nullish(),
    prompt_cache_key: z.string().nullish(),
    service_tier: z.string().nullish(),
  });
  return { chatRequestSchema, contentPart };
};
const built = once(build);
type Built = ReturnType<typeof build>;

export const chatRequestSchema = lazySchema(() => built().chatRequestSchema);

export type ChatRequest = z.infer<Built["chatRequestSchema"]>;
/** One validated chat message, discriminated on `role`. */
export type ChatMessage = ChatRequest["messages"][number];
/** One element of an array `content`, discriminated on `type`. */
export type ChatContentPart = z.infer<Built["contentPart"]>;
