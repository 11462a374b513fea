#!/usr/bin/env bash
# The single-file binary works on its own (issue 20 item 4): build the linux-x64 one (npm run build:binary), run
# it from an empty folder with an empty HOME through `demo` and a request (.ci/smoke-demo.sh), then run the
# suite's black-box files against it in place of `node dist/node.js` (GODEX_ENTRY, test/support/runtime.ts):
# health, models, key and errors, flags and --version (entry), a Responses and a chat stream (socket), the
# Anthropic stream and a tool_result turn (messages-socket), and login/status/logout against the emulator
# (login-cli). Fails on any error. The other four targets are built by `npm run build:binary -- --all`, not run.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
npm run -s build:binary -- linux-x64
bin="$root/dist/bin/godex-proxy-linux-x64"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir "$work/home"
(cd "$work" && HOME="$work/home" "$bin" --version && HOME="$work/home" "$root/.ci/smoke-demo.sh" "$bin")

echo "== black-box files against $bin"
GODEX_ENTRY="$bin" node_modules/.bin/tsx --test --test-concurrency=1 \
  test/entry.test.ts test/socket.test.ts test/messages-socket.test.ts test/login-cli.test.ts >"$work/tap.txt" 2>&1 || {
  grep -E '^not ok|^# (pass|fail)' "$work/tap.txt" >&2 || true
  tail -n 60 "$work/tap.txt" >&2
  echo "check-binary: the black-box files failed against the binary" >&2
  exit 1
}
grep -E '^# (pass|fail)' "$work/tap.txt"
echo "check-binary: ok ($(du -m "$bin" | cut -f1) MB)"
