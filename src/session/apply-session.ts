// Session memory into the upstream body (spec §9.2, §9.3): the instructions cache per session key, the duplicate
// call_id check, and the re-insertion of remembered tool calls for outputs whose call the client left out.
import { badRequest } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { ProxyMetrics } from "../metrics/proxy-metrics.ts";
import type { JsonObject } from "../json.ts";
import type { Translation, UpstreamBody, UpstreamDraft } from "../translate/types.ts";
import { resolveInstructions } from "./resolve-instructions.ts";
import { findDuplicateCallId, findOrphanOutputs, restoreToolCalls } from "./restore-tool-calls.ts";
import type { SessionCache } from "./session-cache.ts";
import { sessionUuid } from "../upstream/upstream-headers.ts";

export interface SessionServices {
  cache: SessionCache;
  metrics: ProxyMetrics;
  logger: Logger;
}

/** The complete upstream body: `draft` (model already resolved) plus what the session remembers. */
export const applySession = async (services: SessionServices, sessionKey: string, draft: UpstreamDraft, translation: Translation): Promise<UpstreamBody> => {
  const { cache, logger } = services;
  const resolved = resolveInstructions(translation.instructions, await cache.getInstructions(sessionKey));
  if (resolved.store !== undefined) await cache.setInstructions(sessionKey, resolved.store);
  services.metrics.instructions.inc({ source: resolved.source });
  const input = await restoreInput(services, sessionKey, draft.input, translation);
  if (translation.warnings.length > 0 && logger.enabled("debug")) {
    logger.debug("request translated", { dropped: translation.warnings.join("; "), instructions: resolved.source });
  }
  // A client's own prompt_cache_key goes as it is; one derived from `user`, a header or the IP only as a hash.
  return {
    ...draft,
    input,
    instructions: resolved.instructions,
    store: false,
    stream: true,
    prompt_cache_key: draft.prompt_cache_key ?? sessionUuid(sessionKey),
  };
};

/**
 * The official client's body as it sent it (issue 16 item 2): a remembered call re-inserted before a lone output is
 * the only change to its input; `stream: true` and `store: false` are what the backend rejects otherwise (spec §4.4),
 * and the CLI sends them so already. No instructions are added (a Lite request has none by design, §13.1).
 */
export const applySessionVerbatim = async (services: SessionServices, sessionKey: string, body: JsonObject, translation: Translation): Promise<JsonObject> => {
  if (!Array.isArray(body.input)) return { ...body, stream: true, store: false };
  const input = await restoreInput(services, sessionKey, translation.draft.input, translation);
  return { ...body, input: input === translation.draft.input ? body.input : input, stream: true, store: false };
};

/** The input with remembered calls re-inserted before outputs whose call it lacks (the same array when none is). */
const restoreInput = async (services: SessionServices, sessionKey: string, input: JsonObject[], translation: Translation): Promise<JsonObject[]> => {
  const duplicate = findDuplicateCallId(input);
  if (duplicate !== undefined) {
    throw badRequest(
      `The call_id ${duplicate} is used by more than one tool call or output in this request; each call needs its own id.`,
      "input",
      "duplicate_call_id",
    );
  }
  const orphans = findOrphanOutputs(input);
  if (orphans.length === 0) return input;
  const restored = restoreToolCalls(input, await services.cache.getCalls(sessionKey, orphans));
  if (restored.missing.length > 0) {
    const callId = restored.missing[0] as string;
    const own = translation.describeMissingCall?.(callId);
    throw badRequest(
      own?.message ??
        `No tool call found for the output with call_id ${callId}: the request must include the assistant's call ` +
          "before its output, and this proxy does not remember one for this session (restart, --cache-ttl expiry, or another session key).",
      own?.param ?? "input",
      "tool_call_not_found",
    );
  }
  services.metrics.reconstructions.inc({}, orphans.length);
  services.logger.debug("re-inserted remembered tool calls", { count: orphans.length });
  return restored.input;
};
