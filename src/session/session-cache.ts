// Per-session memory on top of a KeyValueStore: the last instructions and the calls the proxy returned (spec §9.2–9.4).
import type { JsonObject } from "../json.ts";
import type { KeyValueStore } from "./store.ts";

export interface SessionCache {
  getInstructions(sessionKey: string): Promise<string | undefined>;
  setInstructions(sessionKey: string, instructions: string): Promise<void>;
  /** The remembered call items for these call_ids (absent ones are left out). */
  getCalls(sessionKey: string, callIds: readonly string[]): Promise<Map<string, JsonObject>>;
  rememberCalls(sessionKey: string, calls: readonly JsonObject[]): Promise<void>;
}

/** Keys are namespaced per kind; each call is its own entry so the store's LRU bound covers them too. */
export const createSessionCache = (options: { store: KeyValueStore; ttlMs: number }): SessionCache => {
  const { store, ttlMs } = options;
  const instructionsKey = (session: string) => `instructions:${session}`;
  // The session's length first, so no (session, call id) pair can spell another's key (red team D11: OpenClaw's
  // session keys contain colons, and session `a` with call `b:X` was session `a:b`'s call `X`).
  const callKey = (session: string, callId: string) => `call:${session.length}:${session}:${callId}`;
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
      for (const call of calls) await store.set(callKey(session, String(call.call_id)), call, ttlMs);
    },
  };
};
