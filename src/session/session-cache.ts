// Per-session memory on top of a KeyValueStore: the last instructions and the calls the proxy returned (spec §9.2–9.4),
// at most --cache-max-calls calls per session, the oldest dropped first (issue 18 item 3).
import type { JsonObject } from "../json.ts";
import type { KeyValueStore } from "./store.ts";

export interface SessionCache {
  getInstructions(sessionKey: string): Promise<string | undefined>;
  setInstructions(sessionKey: string, instructions: string): Promise<void>;
  /** The remembered call items for these call_ids (absent ones are left out). */
  getCalls(sessionKey: string, callIds: readonly string[]): Promise<Map<string, JsonObject>>;
  /** Remembers `calls` as the session's newest; beyond `maxCalls` the oldest are forgotten. */
  rememberCalls(sessionKey: string, calls: readonly JsonObject[]): Promise<void>;
}

export interface SessionCacheOptions {
  store: KeyValueStore;
  ttlMs: number;
  /** --cache-max-calls: calls kept per session (default MAX_CALLS_PER_SESSION). */
  maxCalls?: number;
}

/** Calls remembered per session by default (--cache-max-calls): far more than a long agent session replays. */
export const MAX_CALLS_PER_SESSION = 1000;

/**
 * Keys are namespaced per kind; each call is its own entry so the store's LRU bound covers them too, and a per-session
 * index (`calls:`) lists the session's call ids oldest first, so the cap can delete the oldest. The index is one
 * more value under the same TTL and bounds: if it is evicted or two turns of one session race, calls it lost track
 * of are no longer capped but still expire with --cache-ttl (and, in memory, --cache-max-entries / --cache-max-bytes).
 */
export const createSessionCache = (options: SessionCacheOptions): SessionCache => {
  const { store, ttlMs, maxCalls = MAX_CALLS_PER_SESSION } = options;
  const instructionsKey = (session: string) => `instructions:${session}`;
  // The session's length first, so no (session, call id) pair can spell another's key (red team D11: OpenClaw's
  // session keys contain colons, and session `a` with call `b:X` was session `a:b`'s call `X`).
  const callKey = (session: string, callId: string) => `call:${session.length}:${session}:${callId}`;
  const indexKey = (session: string) => `calls:${session.length}:${session}`;
  return {
    getInstructions: (session) => store.get<string>(instructionsKey(session)),
    setInstructions: (session, instructions) => store.set(instructionsKey(session), instructions, ttlMs),
    getCalls: async (session, callIds) => {
      const found = new Map<string, JsonObject>();
      for (const callId of callIds) {
        const call = await store.get<JsonObject>(callKey(session, callId));
        if (call) found.set(callId, call);
      }
      return found;
    },
    rememberCalls: async (session, calls) => {
      if (calls.length === 0) return;
      const ids = calls.map((call) => String(call.call_id));
      const fresh = new Set(ids);
      const known = await store.get<unknown>(indexKey(session));
      const older = Array.isArray(known) ? known.filter((id): id is string => typeof id === "string" && !fresh.has(id)) : [];
      const order = [...older, ...fresh];
      const dropped = order.splice(0, Math.max(0, order.length - maxCalls));
      for (const callId of dropped) await store.delete(callKey(session, callId));
      // A turn with more calls than the cap keeps only its newest.
      const kept = new Set(order);
      for (const [i, call] of calls.entries()) if (kept.has(ids[i] as string)) await store.set(callKey(session, ids[i] as string), call, ttlMs);
      await store.set(indexKey(session), order, ttlMs);
    },
  };
};
