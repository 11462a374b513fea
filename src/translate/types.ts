// Shapes shared by the request translators (spec §4.3, §8.1, §8.2): what a translator hands to the route.
import type { JsonObject } from "../json.ts";
import type { WireItem, WireTool } from "../schemas/items.ts";

/** The upstream body minus what the session layer decides (instructions, store, stream, prompt_cache_key). */
export interface UpstreamDraft {
  model: string;
  /** Wire items, sent as they are; read them through `toItem` (schemas/items.ts). */
  input: WireItem[];
  /** Wire tools, sent as they are; read them through `toTool` (schemas/items.ts). */
  tools?: WireTool[];
  tool_choice?: unknown;
  parallel_tool_calls?: boolean;
  reasoning?: JsonObject | null;
  include?: string[];
  text?: JsonObject;
  service_tier?: string;
  prompt_cache_key?: string;
  client_metadata?: JsonObject;
}

/** A translator's result: the draft, the merged system text for `instructions`, and what was dropped. */
export interface Translation {
  draft: UpstreamDraft;
  /** Request `instructions` + system/developer text, joined with "\n\n" (spec §9.2); "" when none. */
  instructions: string;
  /** Where the body's effort came from, for a 400 (`reasoning_effort` on chat); default `reasoning.effort`. */
  effortParam?: string;
  /** Human-readable notes of dropped or rewritten fields, logged at debug. */
  warnings: string[];
  /** The 400 for a tool output whose call is neither in the request nor remembered, in the client's own terms. */
  describeMissingCall?: (callId: string) => { message: string; param: string } | undefined;
  /**
   * The official client's body, sent as it is (translate/official-passthrough.ts): `draft` then only names its model
   * and input, and the session layer neither resolves effort nor adds instructions.
   */
  verbatim?: JsonObject;
}

/** The complete body sent to `POST {base}/responses`. */
export interface UpstreamBody extends UpstreamDraft {
  instructions: string;
  store: false;
  stream: true;
  prompt_cache_key: string;
}
