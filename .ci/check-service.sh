#!/usr/bin/env bash
# The service files in packaging/ (issue 20 item 5). The systemd user unit is checked with `systemd-analyze verify`
# (Debian's systemd package, installed if missing); ExecStart names ~/.local/bin/godex-proxy, which verify wants to
# exist, so the copy checked here points at the linux-x64 binary (.ci/check-binary.sh builds it). Then the unit's
# ExecStart line is run as systemd would, with its EnvironmentFile (no user manager in CI), and must answer
# /v1/models with that key. The launchd plist is parsed as a property list (python3's plistlib; there is no macOS here).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
unit="packaging/godex-proxy.service"
bin="$root/dist/bin/godex-proxy-linux-x64"
[ -x "$bin" ] || npm run -s build:binary -- linux-x64

if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "== installing systemd (Debian package) for systemd-analyze"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends systemd >/dev/null
fi

work="$(mktemp -d)"
trap 'kill "${pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
sed "s|%h/.local/bin/godex-proxy|$bin|; s|%h/.config/godex-proxy/env|$work/env|" "$unit" >"$work/godex-proxy.service"
grep -q "^ExecStart=$bin " "$work/godex-proxy.service" || { echo "check-service: ExecStart is not the line this check expects" >&2; exit 1; }
echo "== systemd-analyze verify $unit"
# verify exits 0 on some bad lines (it ignores them with a message): any output fails the check.
verify_out="$(cd "$work" && systemd-analyze verify --man=no ./godex-proxy.service 2>&1)" || { echo "$verify_out" >&2; exit 1; }
[ -z "$verify_out" ] || { echo "check-service: systemd-analyze verify complained:" >&2; echo "$verify_out" >&2; exit 1; }

# The unit's own contract: the key from EnvironmentFile (not argv), --listen on loopback, and the command answers.
grep -q '^EnvironmentFile=' "$unit" && grep -q '^Restart=on-failure' "$unit" || { echo "check-service: the unit lost EnvironmentFile or Restart=on-failure" >&2; exit 1; }
grep -q -- '--api-key' "$unit" && { echo "check-service: the unit puts the key on the command line" >&2; exit 1; }
exec_line="$(sed -n 's/^ExecStart=//p' "$work/godex-proxy.service" | sed 's/127.0.0.1:39001/127.0.0.1:0/')"
echo "GODEX_PROXY_API_KEY=service-check-key" >"$work/env"
mkdir "$work/home"
(set -a; . "$work/env"; set +a; HOME="$work/home" exec $exec_line) >"$work/log" 2>&1 &
pid=$!
url=""
for _ in $(seq 1 100); do
  url="$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/log" | head -n 1 || true)"
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "check-service: the unit's ExecStart printed no address; it printed:" >&2; cat "$work/log" >&2; exit 1; }
status="$(node -e 'fetch(process.argv[1] + "/v1/models", { headers: { Authorization: "Bearer service-check-key" } }).then((r) => console.log(r.status))' "$url")"
[ "$status" = 200 ] || { echo "check-service: GET /v1/models with the EnvironmentFile key answered $status" >&2; exit 1; }
echo "== the unit's ExecStart with its EnvironmentFile key: $url/v1/models 200"

if command -v python3 >/dev/null 2>&1; then
  python3 -c 'import plistlib, sys; p = plistlib.load(open(sys.argv[1], "rb")); assert p["Label"] == "com.godex-proxy" and p["KeepAlive"] == {"SuccessfulExit": False}, p' packaging/com.godex-proxy.plist
  echo "== packaging/com.godex-proxy.plist parses (plistlib)"
else
  echo "== packaging/com.godex-proxy.plist NOT checked: no python3 on this machine"
fi
echo "check-service: ok"
