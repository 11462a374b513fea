#!/usr/bin/env bash
# Starts `<command…> demo` on an ephemeral loopback port, waits for its URL, makes one real chat completion
# through it (GET /v1/models, then POST /v1/chat/completions, non-streaming) and stops it. Exits non-zero on
# any failure, printing the demo's output. Used by .ci/check-pack.sh and .ci/check-binary.sh.
#   .ci/smoke-demo.sh /tmp/x/node_modules/.bin/godex-proxy
set -euo pipefail
[ "$#" -ge 1 ] || { echo "usage: $0 COMMAND [ARGS…]" >&2; exit 2; }
log="$(mktemp)"
"$@" demo --listen 127.0.0.1:0 >"$log" 2>&1 &
pid=$!
stop() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$log"; }
trap stop EXIT

url=""
for _ in $(seq 1 100); do # 10 s
  url="$(sed -n 's|^Demo: the proxy at \(http://[^ ]*\) talks.*|\1|p' "$log" | head -n 1)"
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "smoke-demo: the demo printed no URL within 10 s; its output:" >&2
  cat "$log" >&2
  exit 1
fi

# node is on every machine that runs this (CI installs with npm); the request is plain fetch.
if ! node --input-type=module -e '
  const [url] = process.argv.slice(1);
  const auth = { Authorization: "Bearer demo-key" };
  const models = await fetch(`${url}/v1/models`, { headers: auth });
  if (models.status !== 200) throw new Error(`GET /v1/models: ${models.status} ${await models.text()}`);
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { ...auth, "Content-Type": "application/json" },
    body: JSON.stringify({ model: "gpt-5.2-codex", messages: [{ role: "user", content: "Say hello" }] }),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`POST /v1/chat/completions: ${response.status} ${text}`);
  const content = JSON.parse(text).choices?.[0]?.message?.content;
  if (typeof content !== "string" || content.length === 0) throw new Error(`no answer text in ${text}`);
  console.log(`smoke-demo: ${url}: /v1/models 200, /v1/chat/completions 200: ${JSON.stringify(content)}`);
' "$url"; then
  echo "smoke-demo: the request through the demo failed; the demo printed:" >&2
  cat "$log" >&2
  exit 1
fi
