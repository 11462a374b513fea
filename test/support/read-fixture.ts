// Reads files under test/fixtures/ synchronously with node:fs, which Node, Bun and Deno all provide.
import { readFileSync } from "node:fs";

const root = new URL("../fixtures/", import.meta.url);

/** Raw bytes of `test/fixtures/<path>`. */
export const readFixtureBytes = (path: string): Uint8Array => new Uint8Array(readFileSync(new URL(path, root)));

/** UTF-8 text of `test/fixtures/<path>`. */
export const readFixtureText = (path: string): string => readFileSync(new URL(path, root), "utf8");

/** Parsed JSON of `test/fixtures/<path>`. */
export const readFixtureJson = <T = unknown>(path: string): T => JSON.parse(readFixtureText(path)) as T;
