// Flags, environment and defaults (issue #3 item 4): precedence, accepted forms, and errors that name the flag.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parseConfig } from "../src/config/parse-config.ts";
import { FLAGS, toEnvName } from "../src/config/flags.ts";
import { parseDuration } from "../src/config/duration.ts";
import { VERSION } from "../src/version.ts";
import { readBlock } from "./support/generated-block.ts";
import { flagsTable } from "./support/flags-table.ts";

const parse = (argv: string[], env: Record<string, string> = {}) => parseConfig({ argv, env, home: "/home/u" });
const config = (argv: string[], env: Record<string, string> = {}) => {
  const result = parse(argv, env);
  if (result.kind !== "config") throw new Error(`expected a config, got ${JSON.stringify(result)}`);
  return result.config;
};
const error = (argv: string[], env: Record<string, string> = {}) => {
  const result = parse(argv, env);
  if (result.kind !== "error") throw new Error(`expected an error, got ${result.kind}`);
  return result.message;
};

describe("config", () => {
  test("defaults match the seed", () => {
    const c = config(["--api-key", "k"]);
    assert.deepEqual(c.listen, { host: "127.0.0.1", port: 39001 });
    assert.equal(c.model, "gpt-5.2-codex");
    assert.equal(c.baseUrl, "https://chatgpt.com/backend-api/codex");
    assert.equal(c.tokenUrl, "https://auth.openai.com/oauth/token");
    assert.equal(c.authPath, "/home/u/.codex/auth.json");
    assert.equal(c.cacheTtl, 6 * 3600_000);
    assert.equal(c.logLevel, "info");
    assert.equal(c.allowRefresh, false);
    assert.equal(c.logRequests, false);
    assert.equal(c.allowAnyKey, false);
  });

  test("a flag beats the environment, which beats the default", () => {
    assert.equal(config([], { GODEX_PROXY_API_KEY: "env-key" }).apiKey, "env-key");
    assert.equal(config(["--api-key", "flag-key"], { GODEX_PROXY_API_KEY: "env-key" }).apiKey, "flag-key");
    assert.equal(config(["--api-key=k"], { GODEX_PROXY_MODEL: "gpt-5.4" }).model, "gpt-5.4");
    assert.equal(config(["--api-key=k", "--model", "gpt-5.5"], { GODEX_PROXY_MODEL: "gpt-5.4" }).model, "gpt-5.5");
  });

  test("env booleans accept 1/0/true/false/yes/no; bare boolean flags mean true", () => {
    for (const [text, value] of [
      ["1", true],
      ["0", false],
      ["true", true],
      ["false", false],
      ["yes", true],
      ["no", false],
    ] as const) {
      assert.equal(config(["--api-key=k"], { GODEX_PROXY_ALLOW_REFRESH: text }).allowRefresh, value, text);
    }
    assert.equal(config(["--allow-any-key"]).allowAnyKey, true);
    assert.equal(config(["--api-key", "k", "--log-requests", "--model", "m"]).logRequests, true);
    assert.equal(config(["--api-key", "k", "--allow-refresh", "false"]).allowRefresh, false);
  });

  test("durations accept 90s, 30m, 6h and 1d", () => {
    assert.equal(parseDuration("90s"), 90_000);
    assert.equal(parseDuration("30m"), 1_800_000);
    assert.equal(parseDuration("6h"), 21_600_000);
    assert.equal(parseDuration("1d"), 86_400_000);
    assert.equal(parseDuration("six"), null);
    assert.equal(config(["--api-key=k", "--cache-ttl", "30m"]).cacheTtl, 1_800_000);
  });

  test("bad values name the flag and the accepted form", () => {
    assert.equal(error(["--api-key=k", "--cache-ttl", "six"]), '--cache-ttl: expected a duration like 90s, 30m, 6h or 1d (got "six")');
    assert.match(error(["--api-key=k", "--log-level", "loud"]), /^--log-level: expected one of debug, info, warn, error/);
    assert.match(error(["--api-key=k", "--listen", "nowhere"]), /^--listen: expected host:port/);
    assert.match(error(["--api-key=k", "--base-url", "ftp://x"]), /^--base-url: expected an http\(s\) URL/);
    assert.match(error(["--api-key=k"], { GODEX_PROXY_CACHE_TTL: "forever" }), /^GODEX_PROXY_CACHE_TTL \(for --cache-ttl\): expected a duration/);
    assert.match(error(["--api-key=k"], { GODEX_PROXY_ALLOW_REFRESH: "maybe" }), /GODEX_PROXY_ALLOW_REFRESH/);
  });

  test("a timer's duration above 2^31-1 ms is refused with a message naming the flag (25d would fire at once)", () => {
    const limit = /expected at most 2147483647 ms \(about 24\.8 days\), the longest a timer can wait \(got "25d"\)$/;
    for (const flag of ["--header-timeout", "--keep-alive", "--shutdown-grace"]) {
      const message = error(["--api-key=k", flag, "25d"]);
      assert.ok(message.startsWith(`${flag}: `), message);
      assert.match(message, limit);
    }
    assert.match(error(["--api-key=k"], { GODEX_PROXY_HEADER_TIMEOUT: "25d" }), /^GODEX_PROXY_HEADER_TIMEOUT \(for --header-timeout\): expected at most/);
    assert.equal(config(["--api-key=k", "--header-timeout", "2147483647ms"]).headerTimeout, 2_147_483_647);
    assert.match(error(["--api-key=k", "--header-timeout", "2147483648ms"]), /^--header-timeout: expected at most/);
    // The cache TTL is compared with the clock, never a timer: long values stay allowed.
    assert.equal(config(["--api-key=k", "--cache-ttl", "30d"]).cacheTtl, 30 * 86_400_000);
  });

  test("a zero duration is refused where it means nothing, and allowed for --shutdown-grace", () => {
    assert.equal(error(["--api-key=k", "--keep-alive", "0s"]), '--keep-alive: expected more than 0 (got "0s")');
    assert.equal(config(["--api-key=k", "--shutdown-grace", "0s"]).shutdownGrace, 0);
    assert.equal(config(["--api-key=k", "--max-streams", "0"]).maxStreams, 0);
    assert.equal(error(["--api-key=k", "--cache-max-entries", "0"]), '--cache-max-entries: expected more than 0 (got "0")');
  });

  test("--api-key is required unless --allow-any-key", () => {
    assert.match(error([]), /^--api-key: required/);
    assert.equal(config(["--allow-any-key"]).apiKey, undefined);
  });

  test("unknown flags suggest the nearest one", () => {
    assert.equal(error(["--cache-tl", "6h"]), "--cache-tl: unknown flag (did you mean --cache-ttl?)");
  });

  test("--allow-any-key on a non-loopback address warns loudly", () => {
    const result = parse(["--allow-any-key", "--listen", "0.0.0.0:39001"]);
    assert.equal(result.kind, "config");
    assert.match(result.kind === "config" ? result.warnings.join() : "", /WARNING: --allow-any-key on 0\.0\.0\.0/);
    const local = parse(["--allow-any-key"]);
    assert.deepEqual(local.kind === "config" ? local.warnings : null, []);
    // Loopback is what the Host check calls loopback (src/host-name.ts): bracketed IPv6 and IPv4-mapped too.
    for (const listen of ["[::1]:39001", "[::ffff:127.0.0.1]:39001", "localhost:39001"]) {
      const result = parse(["--allow-any-key", "--listen", listen]);
      assert.deepEqual(result.kind === "config" ? result.warnings : result, [], listen);
    }
  });

  test("--help lists every flag with its variable and default", () => {
    const result = parse(["--help"]);
    assert.equal(result.kind, "help");
    const help = result.kind === "help" ? result.text : "";
    for (const flag of FLAGS) {
      assert.ok(help.includes(`--${flag.name}`) && help.includes(toEnvName(flag.name)), flag.name);
      if (flag.default !== undefined) assert.ok(help.includes(`(default ${flag.default})`), flag.name);
    }
  });

  test("the README's flag table is exactly the one generated from the flag definition (npm run docs:flags)", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    assert.equal(readBlock(readme, "flags"), flagsTable());
  });

  test("VERSION is package.json's version", () => {
    const pkg: unknown = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    assert.equal(VERSION, typeof pkg === "object" && pkg !== null && "version" in pkg ? pkg.version : undefined);
  });
});
