// What the proxy needs from the ChatGPT credentials, and what a runtime must give the store (spec §2–3).

/** The bearer and account header for one upstream call. */
export interface Credentials {
  accessToken: string;
  /** `ChatGPT-Account-ID` value (spec §2.4); absent when no source has one. */
  accountId?: string;
  /** Access-token expiry in epoch ms, from the JWT `exp` claim. */
  expiresAt?: number;
}

/** What /health may show: never a token. */
export interface AuthStatus {
  path: string;
  loaded: boolean;
  accountId: boolean;
  expiresAt?: string;
  error?: string;
}

/** The credentials as the proxy uses them: current tokens, single-flight refresh, write-back. */
export interface AuthStore {
  /** Current credentials, refreshed first when expired and refresh is allowed. Throws ProxyError when none. */
  getCredentials(): Promise<Credentials>;
  /**
   * After an upstream 401 with `used`: re-read the file and, if allowed, refresh (single flight).
   * Resolves to credentials worth one retry, or throws a ProxyError saying what the user must do.
   */
  recoverFromUnauthorized(used: Credentials): Promise<Credentials>;
  status(): Promise<AuthStatus>;
}

/** The store as start-up holds it: shutdown waits for a refresh in flight (red-team D2). */
export interface ManagedAuthStore extends AuthStore {
  /** True while a token refresh or a write-back of auth.json is in progress (it may hold the lock file). */
  busy(): boolean;
  /** Resolves once nothing is in progress; each refresh is bounded by the lock wait and the token timeout. */
  idle(): Promise<void>;
}

/** File access the runtime entry provides; everything else about auth.json lives in src/auth. */
export interface AuthFile {
  readonly path: string;
  /** The file's text, or null when it does not exist. Throws on other I/O errors. */
  read(): Promise<string | null>;
  /** A cheap change marker (mtime and size), or null when the file does not exist. */
  version(): Promise<string | null>;
  /** Atomic replace: temp file in the same folder, same mode (0600 if new), fsync, rename. */
  writeAtomic(text: string): Promise<void>;
  /**
   * Overwrites the existing file in place (what the Codex CLI does): the fallback when the atomic replace fails
   * (a single-file bind mount's EBUSY on rename, EPERM in a sticky folder, ENOSPC for the temp file).
   */
  writeInPlace(text: string): Promise<void>;
  /** Exclusive lock file beside auth.json across read-refresh-write; resolves to its release. */
  lock(): Promise<() => Promise<void>>;
}

/** ChatGPT tokens as instances share them with --share-credentials (issue #10 item 3); sealed before they leave. */
export interface SharedTokens {
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
  /** When these tokens were obtained (epoch ms): the tie-breaker when an access token has no `exp`. */
  refreshedAt: number;
}

/**
 * Token refresh across proxy instances (issue #10 item 3; spec §3.4 "Concurrency"). Absent for a lone instance.
 * By default only a "credentials changed" notice travels; with --share-credentials the tokens do too.
 */
export interface RefreshCoordinator {
  /** Runs `fn` holding the cross-instance refresh lock (released only by its owner); rejects without running it when the lock cannot be had. */
  withLock<T>(fn: () => Promise<T>): Promise<T>;
  /** Tells the other instances that the credentials changed. Never throws. */
  publishChanged(): Promise<void>;
  /** `callback` runs on every notice another instance published. */
  onChanged(callback: () => void): void;
  /** --share-credentials only: the tokens the instances share, or undefined when none are stored (throws when unreachable). */
  readShared?(): Promise<SharedTokens | undefined>;
  writeShared?(tokens: SharedTokens): Promise<void>;
}
