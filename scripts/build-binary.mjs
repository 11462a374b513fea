// `npm run build:binary [-- TARGET…|--all]`: single-file executables of the bin (issue 20 item 4). It compiles
// dist/node.js (the same bundle `npm install godex-proxy` runs, emulator and fixtures embedded for `demo`) with
// `bun build --compile`; Bun bundles the npm dependencies into it and embeds its own runtime, so the file needs
// no Node and no node_modules. Bun cross-compiles: for another target it fetches that target's Bun runtime (from
// the npm registry here) once. Output: dist/bin/godex-proxy-<target>[.exe]. Run with plain node.
import { execFileSync } from "node:child_process";
import { mkdirSync, statSync } from "node:fs";

const TARGETS = ["linux-x64", "linux-arm64", "darwin-arm64", "darwin-x64", "windows-x64"];
const HOST = `${process.platform === "win32" ? "windows" : process.platform}-${process.arch}`;

const args = process.argv.slice(2);
const wanted = args.includes("--all") ? TARGETS : args.length > 0 ? args : [HOST];
const unknown = wanted.filter((t) => !TARGETS.includes(t));
if (unknown.length > 0) {
  console.error(`build-binary: unknown target ${unknown.join(", ")}; the targets are ${TARGETS.join(", ")} (or --all)`);
  process.exit(2);
}

const bun = process.platform === "win32" ? "node_modules/.bin/bun.exe" : "node_modules/.bin/bun";
execFileSync(process.execPath, ["scripts/build.mjs"], { stdio: "inherit" });
mkdirSync("dist/bin", { recursive: true });
for (const target of wanted) {
  const outfile = `dist/bin/godex-proxy-${target}${target.startsWith("windows") ? ".exe" : ""}`;
  console.log(`== ${outfile}`);
  execFileSync(bun, ["build", "--compile", "--minify", `--target=bun-${target}`, "dist/node.js", "--outfile", outfile], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  console.log(`   ${(statSync(outfile).size / 1e6).toFixed(1)} MB`);
}
