// The proxy's configuration after parsing: one strict zod schema (a typo is an error, STYLE.md "zod").
import { z } from "zod";

export const configSchema = z.strictObject({
  listen: z.object({ host: z.string(), port: z.number().int().min(0).max(65535) }),
  apiKey: z.string().min(1).optional(),
  allowAnyKey: z.boolean(),
  /** --allowed-hosts and --cors-origins (issue 18 item 1; src/http/exposure.ts). */
  allowedHosts: z.array(z.string().min(1)).default([]),
  corsOrigins: z.array(z.string().min(1)).default([]),
  model: z.string().min(1),
  baseUrl: z.string().url(),
  allowRefresh: z.boolean(),
  authPath: z.string().min(1),
  tokenUrl: z.string().url(),
  authIssuer: z.string().url(),
  cacheTtl: z.number().int().positive(),
  cacheMaxEntries: z.number().int().positive(),
  logLevel: z.enum(["debug", "info", "warn", "error"]),
  logRequests: z.boolean(),
  logFormat: z.enum(["text", "json"]),
  reasoningSummaries: z.boolean(),
  /** --claude-models: Claude id family → Codex model (and effort) for /v1/messages (issue 17 item 5). */
  claudeModels: z.array(z.strictObject({ family: z.string().min(1), model: z.string(), effort: z.string().optional() })),
  headerTimeout: z.number().int().positive(),
  bodyLimit: z.number().int().positive(),
  maxStreams: z.number().int().min(0),
  keepAlive: z.number().int().positive(),
  shutdownGrace: z.number().int().min(0),
  metrics: z.boolean(),
  /** `redis://` or `rediss://` URL; absent means the in-memory store (issue #10). */
  store: z.string().optional(),
  shareCredentials: z.boolean(),
});

/** Validated configuration; durations are milliseconds, sizes bytes. */
export type Config = z.infer<typeof configSchema>;
