// Fixture data the emulator reuses verbatim: http-errors.json bodies, limit headers, auth files (spec §6, §12).
// Read with node:fs, which Node, Bun and Deno all provide; paths are relative to this file.
import { readFileSync } from "node:fs";

const FIXTURE_DIR = new URL("../fixtures/codex/", import.meta.url);

/** Reads and parses one JSON fixture from test/fixtures/codex/. */
export function readFixtureJson(name: string): unknown {
  return JSON.parse(readFileSync(new URL(name, FIXTURE_DIR), "utf8"));
}

/** Reads one fixture as text. */
export function readFixtureText(name: string): string {
  return readFileSync(new URL(name, FIXTURE_DIR), "utf8");
}

export interface HttpErrorEntry {
  name: string;
  trigger: string;
  status: number;
  headers: Record<string, string>;
  body: unknown;
  certainty: string;
}

export interface HttpFixture {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
  note?: string;
}

/**
 * Late-2026 answers that http-errors.json (April) lacks, §13.6 [REPORTED]: backend-wide outages answered 404 with an
 * empty body (openai/codex#42534, #42553), and Cloudflare's managed challenge for datacenter egress.
 */
const LATE_HTTP_ERRORS: HttpErrorEntry[] = [
  { name: "outage-404-empty", trigger: "backend-wide outage", status: 404, headers: {}, body: "", certainty: "REPORTED §13.6" },
  {
    name: "cloudflare-challenge-403",
    trigger: "datacenter / serverless egress",
    status: 403,
    headers: { "content-type": "text/html; charset=UTF-8", "cf-mitigated": "challenge", server: "cloudflare" },
    body: '<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title></head><body><noscript>Enable JavaScript and cookies to continue</noscript></body></html>',
    certainty: "REPORTED §13.6",
  },
];

/** http-errors.json in file order, then the §13.6 additions. */
export const HTTP_ERRORS = [...(readFixtureJson("http-errors.json") as HttpErrorEntry[]), ...LATE_HTTP_ERRORS];

/** Looks an http-errors.json entry up by name; throws with the valid names otherwise. */
export function httpErrorEntry(name: string): HttpErrorEntry {
  const entry = HTTP_ERRORS.find((e) => e.name === name);
  if (!entry) throw new Error(`unknown http-errors.json entry '${name}'; known: ${HTTP_ERRORS.map((e) => e.name).join(", ")}`);
  return entry;
}

export const STREAM_HEADERS = readFixtureJson("stream-response-headers.json") as HttpFixture;
export const USAGE_LIMIT_PLUS = readFixtureJson("usage-limit-429.json") as HttpFixture;
export const USAGE_LIMIT_FREE = readFixtureJson("usage-limit-429-free.json") as HttpFixture;
export const REFRESH_RESPONSE = readFixtureJson("refresh-response.json") as HttpFixture;
export const REFRESH_ERROR_REUSED = readFixtureJson("refresh-error-reused.json") as HttpFixture;
export const REFRESH_REQUEST = readFixtureJson("refresh-request.json") as Record<string, string>;

/** The auth files whose tokens the emulator knows from the start (§12.1 R2). */
export const FIXTURE_AUTH_FILES = ["auth.json", "auth-expired.json", "auth-no-account-id.json", "auth-after-refresh.json"].map(
  (name) => readFixtureJson(name) as Record<string, unknown>,
);
