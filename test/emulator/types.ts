// Public types of the Codex backend emulator (docs/backend.md §12).
// Other test files code against these names; keep them stable and add, never rename.
import type { DeviceAuthControl } from "./device-auth.ts";

/** Scenario names of §12.2 (B1–B18). */
export type ScenarioName =
  | "text"
  | "reasoning-text"
  | "tool-call"
  | "parallel-tool-calls"
  | "text-then-tool"
  | "tool-then-text"
  | "usage-limit"
  | "rate-limit"
  | "failed"
  | "error-event"
  | "incomplete"
  | "slow"
  | "disconnect"
  | "http-error"
  | "completed-with-output"
  | "minimal"
  | "hang"
  // late 2026 (§13.1, §13.4)
  | "custom-tool-call"
  | "compaction";

/** Per-scenario knobs; every field is optional and ignored by scenarios it does not concern. */
export interface ScenarioOptions {
  /** Answer text for text-like scenarios (default "hello"; `tool-then-text` defaults to `tool said: <output>`). */
  text?: string;
  /** Split the answer text into N deltas (default min(4, code points)). */
  deltas?: number;
  /** Function name for tool scenarios (default: the CALL_TOOL directive, else the first named tool in the request). */
  toolName?: string;
  /** Function arguments (a JSON string) for tool scenarios (default: the directive's JSON, else built from the tool's schema). */
  toolArguments?: string;
  /** Addition: explicit calls for `tool-call` / `parallel-tool-calls` / `text-then-tool`, overriding toolName/toolArguments. */
  calls?: Array<{ name: string; arguments: string; namespace?: string }>;
  /** `failed`: `response.error.code` (default "server_error"); `error-event`: the event's `code`. */
  failCode?: string;
  /** Addition: message for `failed` / `error-event` (default: a fixed message per code). */
  failMessage?: string;
  /** `failed` / `error-event` / `disconnect` / `hang`: how many events precede the failure (defaults 6 / 2 / 6 / headers only). */
  afterEvents?: number;
  /** `incomplete`: `incomplete_details.reason` (default "max_output_tokens"). */
  incompleteReason?: "max_output_tokens" | "content_filter";
  /** `http-error`: the `name` of an entry in http-errors.json (default "internal-500"). */
  httpError?: string;
  /** Any scenario: wait this long before sending the status line and headers. */
  delayHeadersMs?: number;
  /** Streaming scenarios: wait this long before the first event. */
  delayFirstEventMs?: number;
  /** Streaming scenarios: wait this long between events (`slow` defaults to 100 when no delay is given). */
  delayBetweenEventsMs?: number;
  /** Streaming scenarios: extra silence before event number `stallAfterEvents`. */
  stallMs?: number;
  /** Streaming scenarios: the stall happens after this many events (default 2). */
  stallAfterEvents?: number;
  /** Extra response headers (merged over the defaults). */
  headers?: Record<string, string>;
  /** Addition, `disconnect`: also write the first half of the next event before dropping (B15 "also mid-line"). */
  midLine?: boolean;
  /** Addition, `usage-limit`: which fixture to model, `usage-limit-429.json` (plus, default) or `usage-limit-429-free.json`. */
  plan?: "plus" | "free";
  /** Addition, `usage-limit` (B8 "after N requests"): the next N valid requests are answered normally first. */
  afterRequests?: number;
  /** Addition: how many valid requests this queue entry answers before it is dropped (default 1). */
  times?: number;
  /** `custom-tool-call`: the freeform `input` (default: the CALL_TOOL directive's JSON string, else "example"). */
  toolInput?: string;
  /**
   * Streams, §13.3 [REPORTED]: a `codex.rate_limits` event before `response.created` (true: the §13.3 sample with
   * clock-based `reset_at`; an object: that event's fields besides `type`). No `sequence_number`, as in the sample.
   */
  rateLimits?: boolean | Record<string, unknown>;
  /** Streams, §13.3: `response.metadata` and `codex.response.metadata` between the first item's added and done. */
  metadataEvents?: boolean;
  /** Streams, §13.3: a `keepalive` event and a `: keepalive` comment after `response.in_progress`. */
  keepalive?: boolean;
  /** Streams: raw SSE text inserted after the N-th regular frame (0 = before the first), e.g. `data: {"foo":1}\n\n`. */
  injectFrames?: Array<{ after: number; text: string }>;
}

/** Construction options; every default follows the spec's "Emulator default". */
export interface EmulatorOptions {
  /** Clock in epoch ms (default Date.now). Drives token expiry, `created_at` and reset headers. */
  now?: () => number;
  /** Base path of the Codex API (default "/backend-api/codex"). */
  basePath?: string;
  /** R7 mode (default "developer-or-nonempty", §13.1; "required-nonempty" is the April rule of §4.5). */
  instructionsMode?: "developer-or-nonempty" | "required-nonempty" | "required-present" | "off" | `must-match:${string}`;
  /** R16 (default "accept-prefixed", §13.1; "reject" is the April rule of §4.6 / §12.1). */
  itemIds?: "accept-prefixed" | "reject";
  /**
   * §13.5 [REPORTED]: slugs listed by `GET {base}/models` whose turns still get the R9 "not supported when using
   * Codex with a ChatGPT account" 400 (rollout-gated models such as gpt-6-astra on many accounts). Default none.
   */
  gatedModels?: string[];
  /** The `GET {base}/models` entries (default: derived from `models`, §13.5); change it later with setCatalogue. */
  catalogue?: CatalogueModel[];
  /** R3 (default true). When false a missing ChatGPT-Account-ID is allowed, but a wrong one is still refused. */
  requireAccountId?: boolean;
  /** R19 (default true). */
  requireToolOutput?: boolean;
  /** Model slug → allowed efforts (default: the §7.1 emulator default allow-list). */
  models?: Record<string, string[]>;
  /** `response.completed.output` (default "empty", §5.8). */
  completedOutput?: "empty" | "populated";
  /** Status for a reused refresh token (default 401, §3.3 [TIME]). */
  refreshReuseStatus?: 401 | 400;
  /** `expires_in` of tokens minted by the token endpoint (default 3600). */
  accessTokenTtlSeconds?: number;
  /**
   * Addition (default "mint"): with "fixture", refreshing `fixture-refresh-token-0002-NOT-REAL` (auth-expired.json)
   * answers refresh-response.json's body verbatim, so a rewrite can be compared with auth-after-refresh.json.
   */
  refreshResponses?: "mint" | "fixture";
}

export type { CatalogueModel } from "./models.ts";
import type { CatalogueModel } from "./models.ts";

/** One request as the emulator saw it. */
export interface RecordedCall {
  method: string;
  path: string;
  /** Header names lower-case. */
  headers: Record<string, string>;
  rawBody: string;
  /** Parsed JSON (or form fields on the token endpoint); undefined when it did not parse. */
  body: unknown;
  /** Arrival time from the injected clock (epoch ms). */
  time: number;
  status: number;
  /** The scenario that answered (set only for requests that passed validation). */
  scenario?: string;
  /** The client closed the stream (or aborted before headers) before the emulator finished. */
  aborted: boolean;
  /** The emulator wrote everything it meant to (a scripted drop counts as finished). */
  finished: boolean;
  /** Addition: the JSON body of non-streaming answers (errors, token endpoint). */
  responseBody?: unknown;
  /** Addition: the items of every `response.output_item.done` written (streams only). */
  output?: unknown[];
  /** Addition: `response.id` of the stream (streams only, absent for `minimal`). */
  responseId?: string;
}

export interface Emulator {
  /** A drop-in `fetch`: takes a Request, or the usual (input, init) pair; honours `init.signal`. */
  fetch(input: Request | string | URL, init?: RequestInit): Promise<Response>;
  /** Addition: the base path in use (EmulatorOptions.basePath, default "/backend-api/codex"). */
  readonly basePath: string;
  /** Every request to `{base}/responses`. */
  readonly calls: RecordedCall[];
  /** Every request to `/oauth/token`. */
  readonly tokenCalls: RecordedCall[];
  /** Addition: every `GET {base}/models`, with its query parameters (the CLI sends `client_version`). */
  readonly modelCalls: Array<RecordedCall & { query: Record<string, string> }>;
  /** Addition: every request to any other path (404), e.g. the retired `{base}/responses/compact` (§13.4). */
  readonly otherCalls: RecordedCall[];
  /** Addition: replaces the catalogue; the models etag changes with it (sent as `x-models-etag`, §5.1, §13.5). */
  setCatalogue(models: CatalogueModel[]): void;
  /** Addition: the current models etag. */
  modelsEtag(): string;
  /** Addition (issue 20): scripts and records the device-code and browser login endpoints (device-auth.ts). */
  readonly deviceAuth: DeviceAuthControl;
  /** Queues a scenario for the next `/responses` request that passes every rule R1–R22 (FIFO). */
  enqueue(scenario: ScenarioName, options?: ScenarioOptions): void;
  /** Responses in flight: header delays plus bodies still being written. */
  openStreams(): number;
  /** Makes the access and refresh tokens of an auth.json known (the fixture files are known from the start). */
  trustAuthFile(authJson: string | object): void;
  /** Mints a known, unused token set (default: expires in accessTokenTtlSeconds, fixture account, plan "plus"). */
  mintTokens(opts?: { expiresInSeconds?: number; accountId?: string | null; planType?: string }): {
    accessToken: string;
    refreshToken: string;
    idToken: string;
  };
  /** Addition (R20): treats `blob` as issued by this backend to `accountId` (default the fixture account), e.g. a capture's replayed blobs. */
  trustEncryptedContent(blob: string, accountId?: string | null): void;
  /** R2c: the token now gets the token_invalidated 401. */
  invalidateAccessToken(token: string): void;
  /** Sets a refresh token's state for §12.3. */
  markRefreshToken(token: string, state: "used" | "expired" | "invalidated"): void;
  /** The next well-formed refresh request gets 500 {"error":"server_error"}. */
  failNextRefresh(): void;
  /** Clears calls, token calls, the queue, the prompt-cache memory (B7) and a pending failNextRefresh. */
  reset(): void;
  /** Addition: ends every response in flight (for teardown; not recorded as a client abort). */
  endAll(): void;
}
