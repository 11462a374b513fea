#!/usr/bin/env bash
# The published package works on its own (issue 20 item 3): `npm pack`, install the tarball into an empty folder
# (its dependencies from the npm registry, nothing from this checkout), then the installed bin's --version and
# --help, and `godex-proxy demo` with one real request through it (.ci/smoke-demo.sh). Reports the tarball's
# packed and unpacked size and the installed node_modules size (the figures in docs/install.md). Fails on any error.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== npm pack (runs prepare: npm run build)"
npm pack --json --pack-destination "$work" >"$work/pack.json"
read -r tarball packed unpacked files < <(node -e '
  const [p] = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(p.filename, p.size, p.unpackedSize, p.entryCount);
' "$work/pack.json")

echo "== install $tarball into an empty folder"
mkdir "$work/app" "$work/home"
echo '{ "name": "pack-check", "private": true }' >"$work/app/package.json"
(cd "$work/app" && npm install --no-audit --no-fund --loglevel=error "$work/$tarball")
bin="$work/app/node_modules/.bin/godex-proxy"
[ -x "$bin" ] || { echo "check-pack: no executable $bin after the install" >&2; exit 1; }
for dev in tsx esbuild typescript bun deno workerd; do
  if [ -e "$work/app/node_modules/$dev" ]; then echo "check-pack: the install pulled in $dev (a dev dependency)" >&2; exit 1; fi
done

# Run from outside the checkout, with an empty HOME: nothing of this repository or of ~/.codex is at hand.
cd "$work/app"
export HOME="$work/home"
want="$(node -p 'require(process.argv[1]).version' "$root/package.json")"
got="$("$bin" --version)"
echo "== godex-proxy --version: $got"
case "$got" in *"$want"*) ;; *) echo "check-pack: --version printed '$got', package.json says $want" >&2; exit 1 ;; esac
"$bin" --help >"$work/help.txt"
grep -q -- "--api-key" "$work/help.txt" || { echo "check-pack: --help names no --api-key" >&2; cat "$work/help.txt" >&2; exit 1; }
grep -q "godex-proxy login" "$work/help.txt" || { echo "check-pack: --help names no login subcommand" >&2; exit 1; }
echo "== godex-proxy --help: $(wc -l <"$work/help.txt") lines"
echo "== godex-proxy demo and one request"
"$root/.ci/smoke-demo.sh" "$bin"

kib() { awk -v b="$1" 'BEGIN { printf "%.1f MB (%d bytes)", b / 1e6, b }'; }
modules="$(du -sb node_modules | cut -f1)"
echo "== sizes: tarball $(kib "$packed"), unpacked $(kib "$unpacked") in $files files; node_modules after install $(kib "$modules")"
echo "check-pack: ok"
