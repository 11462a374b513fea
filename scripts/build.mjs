// `npm run build`: dist/node.js (the bin: Node entry, subcommands, and the demo's emulator with its fixtures
// embedded, so the published package needs no test/ tree) and dist/worker.js (workerd; one self-contained,
// web-only ESM bundle, checked here). Run with plain node; esbuild is a dev dependency.
import { readFileSync, readdirSync, rmSync } from "node:fs";
import { build } from "esbuild";

const FIXTURES = new URL("../test/fixtures/codex/", import.meta.url);

/**
 * test/emulator/fixtures.ts reads its JSON fixtures with readFileSync at a path relative to itself; in a bundle that
 * path does not exist. This swaps its node:fs import for a lookup in the fixtures embedded at build time.
 */
const embedFixtures = {
  name: "embed-emulator-fixtures",
  setup(b) {
    b.onLoad({ filter: /[\\/]test[\\/]emulator[\\/]fixtures\.ts$/ }, (args) => {
      const source = readFileSync(args.path, "utf8");
      const marker = 'import { readFileSync } from "node:fs";';
      if (!source.includes(marker)) throw new Error(`${args.path}: expected \`${marker}\` (update scripts/build.mjs)`);
      const files = Object.fromEntries(
        readdirSync(FIXTURES)
          .filter((f) => f.endsWith(".json"))
          .map((f) => [f, readFileSync(new URL(f, FIXTURES), "utf8")]),
      );
      const shim = `const EMBEDDED_FIXTURES: Record<string, string> = ${JSON.stringify(files)};
const readFileSync = (url: URL, _encoding: string): string => {
  const name = url.pathname.slice(url.pathname.lastIndexOf("/") + 1);
  const text = EMBEDDED_FIXTURES[name];
  if (text === undefined) throw new Error("fixture not embedded in this build: " + name);
  return text;
};`;
      return { contents: source.replace(marker, shim), loader: "ts" };
    });
  },
};

/**
 * zod's `z` re-exports every message locale (`z.locales`, some 40 of them, 370 KB of the bundle); the proxy never
 * switches from English, the default zod sets up for itself. Only `en` stays, which takes a third off the code Node
 * compiles at each start (issue 19 item 4).
 */
const zodEnglishOnly = {
  name: "zod-english-only",
  setup(b) {
    b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({ contents: 'export { default as en } from "./en.js";', loader: "js" }));
  },
};

const quiet = { logLevel: "warning" };
rmSync("dist", { recursive: true, force: true });

await build({
  ...quiet,
  entryPoints: ["runtimes/node.ts"],
  bundle: true,
  platform: "node",
  format: "esm",
  // Pure-JS dependencies (srvx, itty-router, zod, eventsource-parser, fzstd) go into the bundle: one file to compile
  // at start instead of dozens of ESM modules resolved and compiled from node_modules (issue 19 item 4). The ones
  // loaded only when a feature needs them stay outside: @redis/client (--store), undici (the fetch fallback),
  // gpt-tokenizer (count_tokens).
  external: ["@redis/client", "undici", "gpt-tokenizer", "gpt-tokenizer/*"],
  target: "node20",
  outfile: "dist/node.js",
  banner: { js: "#!/usr/bin/env node" },
  plugins: [embedFixtures, zodEnglishOnly],
});

const worker = await build({
  ...quiet,
  entryPoints: ["runtimes/workerd.ts"],
  bundle: true,
  platform: "neutral",
  format: "esm",
  target: "es2023",
  mainFields: ["browser", "module", "main"],
  conditions: ["workerd", "worker", "browser"],
  metafile: true,
  outfile: "dist/worker.js",
  plugins: [zodEnglishOnly],
});
const code = readFileSync("dist/worker.js", "utf8");
const found = [
  ...Object.values(worker.metafile.outputs).flatMap((o) => o.imports.map((i) => `import ${i.path}`)),
  ...(code.match(
    /\b(process\.(env|argv|exit|versions|platform|nextTick|stdout|stderr)|Buffer\.(from|alloc|isBuffer|concat)|__dirname|__filename)\b|\brequire\(/g,
  ) ?? []),
];
if (found.length) {
  console.error(`dist/worker.js must be one self-contained, web-only ESM bundle; found: ${[...new Set(found)].join(", ")}`);
  process.exit(1);
}
