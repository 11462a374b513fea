// The injected logger: levels, redaction of secrets, and the one-line request record (STYLE.md "Logging").

/** The levels from lowest to highest; --log-level takes its values from here. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/** --log-format: logfmt text or one JSON object per line. */
export const LOG_FORMATS = ["text", "json"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** Whether a level is on: lets hot paths skip building fields. */
  enabled(level: LogLevel): boolean;
}

export interface LoggerOptions {
  level: LogLevel;
  format?: LogFormat;
  /** Where one finished line goes (stderr in the entries, an array in tests). */
  write: (line: string) => void;
  now?: () => number;
  /** Exact strings that must never appear in a line (api key, tokens). */
  secrets?: () => readonly string[];
}

const SECRET_KEY = /authorization|api[-_]?key|token$|secret|password|cookie/i;
const JWT = /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g;
const BEARER = /\b(Bearer)\s+[^\s"',]+/gi;

/** Scrubs secrets: by key name (authorization, *token*, api key), JWT-looking strings and bearer values. */
export const redact = (value: unknown, secrets: readonly string[] = [], depth = 0): unknown => {
  if (typeof value === "string") {
    let out = value.replace(JWT, "[redacted-jwt]").replace(BEARER, "$1 [redacted]");
    for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join("[redacted]");
    return out;
  }
  if (depth > 6 || value === null || typeof value !== "object") return value;
  if (value instanceof Error) return redact(value.message, secrets, depth + 1);
  if (Array.isArray(value)) return value.map((v) => redact(v, secrets, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) && v != null && v !== "" ? "[redacted]" : redact(v, secrets, depth + 1);
  }
  return out;
};

const formatValue = (value: unknown): string => {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text !== undefined && /^[^\s"=]+$/.test(text) ? text : JSON.stringify(text ?? "");
};

/** A logger that writes logfmt (or JSON) lines at or above `level`. */
export const createLogger = (options: LoggerOptions): Logger => {
  const threshold = LOG_LEVELS.indexOf(options.level);
  const now = options.now ?? (() => Date.now());
  const secrets = options.secrets ?? (() => []);
  const emit = (level: LogLevel, message: string, fields?: LogFields) => {
    if (LOG_LEVELS.indexOf(level) < threshold) return;
    const clean = redact({ ...fields }, secrets()) as LogFields;
    const msg = redact(message, secrets()) as string;
    const time = new Date(now()).toISOString();
    if (options.format === "json") {
      options.write(JSON.stringify({ time, level, msg, ...clean }));
      return;
    }
    const parts = [`time=${time}`, `level=${level}`, `msg=${formatValue(msg)}`];
    for (const [key, v] of Object.entries(clean)) if (v !== undefined) parts.push(`${key}=${formatValue(v)}`);
    options.write(parts.join(" "));
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    enabled: (level) => LOG_LEVELS.indexOf(level) >= threshold,
  };
};
