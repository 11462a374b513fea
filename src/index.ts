// The only barrel: what runtime entries, tests and embedders import.
export { createProxy, type Proxy } from "./proxy.ts";
export { startProxy, type Host, type Served, type SharedState, type SharedStateOptions } from "./start.ts";
export { parseConfig, helpText } from "./config/parse-config.ts";
export type { Config } from "./config/schema.ts";
export type { ClientInfo, ProxyDeps } from "./deps.ts";
export { createLogger, type Logger } from "./log.ts";
export type { AuthFile, AuthStore, Credentials, RefreshCoordinator, SharedTokens } from "./auth/types.ts";
export type { KeyValueStore } from "./session/store.ts";
export { VERSION } from "./version.ts";
