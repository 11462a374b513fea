// Lenient schema for a client's POST /v1/responses body: checks the types of the fields the proxy reads,
// keeps everything else for the translator's allow-list (STYLE.md "zod").
import * as z from "zod";

const item = z.looseObject({ type: z.string().optional(), role: z.string().optional() });

export const responsesRequestSchema = z.looseObject({
  model: z.string().min(1).optional(),
  input: z.union([z.string(), z.array(item), item]).optional(),
  instructions: z.string().nullable().optional(),
  tools: z
    .array(z.looseObject({ type: z.string() }))
    .nullable()
    .optional(),
  tool_choice: z
    .union([z.string(), z.looseObject({})])
    .nullable()
    .optional(),
  parallel_tool_calls: z.boolean().nullable().optional(),
  stream: z.boolean().nullable().optional(),
  reasoning: z.looseObject({ effort: z.string().nullable().optional() }).nullable().optional(),
  include: z.array(z.string()).nullable().optional(),
  text: z.looseObject({}).nullable().optional(),
  prompt_cache_key: z.string().nullable().optional(),
  user: z.string().nullable().optional(),
  service_tier: z.string().nullable().optional(),
  client_metadata: z.record(z.string(), z.unknown()).nullable().optional(),
});

export type ResponsesRequest = z.infer<typeof responsesRequestSchema>;
