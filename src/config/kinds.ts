// The kinds of flag value: how each is read from text, what the error says it expected, and the zod schema of
// the parsed value. flags.ts builds every flag from one of these, so a flag's parsing, type and --help agree.
import * as z from "zod";
import { hostName } from "../host-name.ts";
import { parseClaudeModels } from "../models/claude-models.ts";
import { parseDuration } from "./duration.ts";

/**
 * The longest delay a timer honours: 2³¹−1 ms (about 24.8 days). Node, Bun, Deno and workerd fire a longer
 * `setTimeout` at once (Node says `TimeoutOverflowWarning … set to 1`), so `--header-timeout 25d` would make
 * every request a 504. Flags that feed a timer refuse more.
 */
export const TIMER_LIMIT_MS = 2_147_483_647;

export type FlagKind = "list" | "string" | "boolean" | "duration" | "integer" | "enum" | "listen" | "url" | "bytes" | "redis-url" | "model-map";

/** One flag: its kind, default (as text, as a user would type it), help line and the schema of its value. */
export interface Flag<S extends z.ZodType = z.ZodType> {
  kind: FlagKind;
  /** Default as text; absent when there is none (the value is then undefined). */
  default?: string;
  /** Accepted values for enums. */
  values?: readonly string[];
  help: string;
  /** Why the flag has no effect on the edge (workerd), where it is then ignored with that warning. */
  edge?: string;
  /** Text → value, or undefined when the text is not of this kind. */
  read: (text: string) => unknown;
  /** What the error says was expected, after "expected". */
  expected: string;
  /** Type and constraints of the value; the first issue's message goes into the error. */
  schema: S;
}

/** What every flag definition may add: a default, and why it does nothing at the edge. */
interface Extra {
  default?: string;
  edge?: string;
}

const TRUE = new Set(["1", "true", "yes", "on"]);
const FALSE = new Set(["0", "false", "no", "off"]);
const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

const readUrl = (text: string, protocols: readonly string[]): URL | undefined => {
  try {
    const url = new URL(text.trim());
    return protocols.includes(url.protocol) ? url : undefined;
  } catch {
    return undefined;
  }
};

const readText = (raw: string) => (raw === "" ? undefined : raw);

/** Free text, never empty, with a default. */
export const text = (help: string, extra: Extra & { default: string }) => ({
  kind: "string" as const,
  help,
  ...extra,
  read: readText,
  expected: "a non-empty value",
  schema: z.string().min(1),
});

/** Free text, never empty, without a default: absent unless given. */
export const optionalText = (help: string, extra?: Extra) => ({
  kind: "string" as const,
  help,
  ...extra,
  read: readText,
  expected: "a non-empty value",
  schema: z.string().min(1).optional(),
});

/** true/false, 1/0, yes/no, on/off; a bare `--flag` means true. Defaults to false. */
export const boolean = (help: string, extra?: Extra) => ({
  kind: "boolean" as const,
  default: "false",
  help,
  ...extra,
  read: (raw: string) => {
    const value = raw.trim().toLowerCase();
    return TRUE.has(value) ? true : FALSE.has(value) ? false : undefined;
  },
  expected: "true/false, 1/0 or yes/no",
  schema: z.boolean(),
});

/** "90s", "30m", "6h", "1d" → ms. `timer`: the value feeds a setTimeout, so at most TIMER_LIMIT_MS; `min` 0 or 1 ms. */
export const duration = (help: string, { timer, min, ...extra }: Extra & { default: string; timer: boolean; min: 0 | 1 }) => {
  const base = z
    .number()
    .int()
    .min(min, { message: min === 0 ? "expected 0 or more" : "expected more than 0" });
  const limit = `expected at most ${TIMER_LIMIT_MS} ms (about 24.8 days), the longest a timer can wait`;
  return {
    kind: "duration" as const,
    help,
    ...extra,
    read: (raw: string) => parseDuration(raw) ?? undefined,
    expected: "a duration like 90s, 30m, 6h or 1d",
    schema: timer ? base.max(TIMER_LIMIT_MS, { message: limit }) : base,
  };
};

/** A whole number; `min` 0 or 1. */
export const integer = (help: string, { min, ...extra }: Extra & { default: string; min: 0 | 1 }) => ({
  kind: "integer" as const,
  help,
  ...extra,
  read: (raw: string) => (/^\d+$/.test(raw.trim()) ? Number(raw.trim()) : undefined),
  expected: "a whole number of 0 or more",
  schema: z
    .number()
    .int()
    .min(min, { message: min === 0 ? "expected 0 or more" : "expected more than 0" }),
});

/** One of `values`, case-insensitive. */
export const oneOf = <const V extends readonly [string, ...string[]]>(values: V, help: string, extra: Extra & { default: V[number] }) => ({
  kind: "enum" as const,
  values,
  help,
  ...extra,
  read: (raw: string) => {
    const value = raw.trim().toLowerCase();
    return values.includes(value) ? value : undefined;
  },
  expected: `one of ${values.join(", ")}`,
  schema: z.enum(values),
});

/** host:port; an empty host means 127.0.0.1, `[::1]` loses its brackets. */
export const listen = (help: string, extra: Extra & { default: string }) => ({
  kind: "listen" as const,
  help,
  ...extra,
  read: (raw: string) => {
    const match = /^(.*):(\d{1,5})$/.exec(raw.trim());
    if (!match || Number(match[2]) > 65535) return undefined;
    return { host: (match[1] || "127.0.0.1").replace(/^\[(.*)\]$/, "$1"), port: Number(match[2]) };
  },
  expected: "host:port, for example 127.0.0.1:39001",
  schema: z.object({ host: z.string(), port: z.number().int().min(0).max(65535) }),
});

/** An http(s) URL, trailing slashes dropped. */
export const httpUrl = (help: string, extra: Extra & { default: string }) => ({
  kind: "url" as const,
  help,
  ...extra,
  read: (raw: string) => (readUrl(raw, ["http:", "https:"]) ? raw.trim().replace(/\/+$/, "") : undefined),
  expected: "an http(s) URL",
  schema: z.string().url(),
});

/** "512kb", "32mb", "1gb" or bytes. */
export const bytes = (help: string, extra: Extra & { default: string }) => ({
  kind: "bytes" as const,
  help,
  ...extra,
  read: (raw: string) => {
    const match = /^(\d+)\s*(b|kb|mb|gb)?$/i.exec(raw.trim());
    return match ? Number(match[1]) * (SIZE_UNITS[(match[2] ?? "b").toLowerCase()] ?? 1) : undefined;
  },
  expected: "a size like 512kb, 32mb or 1gb",
  schema: z.number().int().min(1, { message: "expected more than 0" }),
});

/** redis:// or rediss:// with a host; the path, if any, is the database number (redis://host:6379/2). Optional. */
export const redisUrl = (help: string, extra?: Extra) => ({
  kind: "redis-url" as const,
  help,
  ...extra,
  read: (raw: string) => {
    const url = readUrl(raw, ["redis:", "rediss:"]);
    return url && url.hostname !== "" && /^\/?(\d+)?$/.test(url.pathname) ? raw.trim() : undefined;
  },
  expected: "a Redis URL like redis://127.0.0.1:6379/0 (or rediss:// for TLS)",
  schema: z.string().optional(),
});

const readList = (raw: string): string[] =>
  raw
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");

/** A comma list of host names (`proxy.lan,myhost`), compared as src/http/exposure.ts reads a Host header. Optional. */
export const hostList = (help: string, extra?: Extra) => ({
  kind: "list" as const,
  help,
  ...extra,
  read: (raw: string) => {
    const items = readList(raw);
    return items.every((item) => /^[\w.:[\]-]+$/.test(item)) ? items.map(hostName) : undefined;
  },
  expected: "a comma list of host names like proxy.lan,myhost",
  schema: z.array(z.string().min(1)).default([]),
});

/** `https://app.example.com:8080` (a trailing slash allowed), nothing more: what browsers send as Origin. */
const isOrigin = (text: string): boolean => {
  try {
    return new URL(text).origin === text.replace(/\/$/, "");
  } catch {
    return false;
  }
};

/** A comma list of browser origins, or `*`. Optional. */
export const originList = (help: string, extra?: Extra) => ({
  kind: "list" as const,
  help,
  ...extra,
  read: (raw: string) => {
    const items = readList(raw);
    return items.every((item) => item === "*" || isOrigin(item)) ? items.map((item) => item.replace(/\/$/, "")) : undefined;
  },
  expected: "a comma list of origins like https://app.example.com:8080, or *",
  schema: z.array(z.string().min(1)).default([]),
});

/** `family=model[:effort],…` (src/models/claude-models.ts). */
export const modelMap = (help: string, extra: Extra & { default: string }) => ({
  kind: "model-map" as const,
  help,
  ...extra,
  read: (raw: string) => {
    const entries = parseClaudeModels(raw);
    return typeof entries === "string" ? undefined : entries;
  },
  expected: "a comma list of family=model[:effort], e.g. opus=gpt-5.5:high,sonnet=,haiku=gpt-5.4-mini",
  schema: z.array(z.strictObject({ family: z.string().min(1), model: z.string(), effort: z.string().optional() })),
});
