#!/usr/bin/env bash
# Browser test: loads the synthetic demo data into a fresh data directory, starts the real server on
# a free port, and drives Debian's chromium through signin.mjs (playwright-core).
# usage: tests/e2e/run.sh KECHAN_BINARY SCREENSHOT_DIR
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="$1"
shots="$2"
mkdir -p "$shots"
work="$(mktemp -d /tmp/kechan-e2e.XXXXXX)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$bin" demo --data "$work/data" --scale 1 > "$work/demo.json"
"$bin" serve --data "$work/data" --listen 127.0.0.1:0 > "$work/out" 2> "$work/err" &
server_pid=$!
for _ in $(seq 1 600); do
  if grep -q "listening on http://" "$work/out" 2>/dev/null; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then cat "$work/err" >&2; echo "e2e: server died" >&2; exit 1; fi
  sleep 0.1
done
url="$(grep -o 'http://[0-9.:]*' "$work/out" | head -1)"
[ -n "$url" ] || { cat "$work/err" >&2; echo "e2e: server did not start" >&2; exit 1; }
echo "e2e: server at $url"
cd "$here"
KECHAN_URL="$url" KECHAN_USER="demo-operator" KECHAN_PASSWORD="kechan-demo" SCREENSHOT_DIR="$shots" \
  node signin.mjs
KECHAN_URL="$url" KECHAN_USER="demo-operator" KECHAN_PASSWORD="kechan-demo" SCREENSHOT_DIR="$shots" \
  node chain.mjs
KECHAN_URL="$url" KECHAN_USER="demo-operator" KECHAN_PASSWORD="kechan-demo" SCREENSHOT_DIR="$shots" \
  node buildings.mjs
KECHAN_URL="$url" KECHAN_USER="demo-operator" KECHAN_PASSWORD="kechan-demo" SCREENSHOT_DIR="$shots" \
  node notify.mjs
KECHAN_URL="$url" KECHAN_USER="demo-enterprise" KECHAN_PASSWORD="kechan-demo" SCREENSHOT_DIR="$shots" \
  node appeals.mjs
KECHAN_URL="$url" KECHAN_USER="demo-enterprise" KECHAN_PASSWORD="kechan-demo" \
  KECHAN_STAFF_USER="demo-operator" SCREENSHOT_DIR="$shots" node policy.mjs
KECHAN_URL="$url" KECHAN_USER="demo-operator" KECHAN_PASSWORD="kechan-demo" SCREENSHOT_DIR="$shots" \
  node notify_targets.mjs
KECHAN_URL="$url" KECHAN_USER="demo-operator" KECHAN_PASSWORD="kechan-demo" SCREENSHOT_DIR="$shots" \
  node search.mjs
KECHAN_URL="$url" KECHAN_USER="demo-operator" KECHAN_PASSWORD="kechan-demo" SCREENSHOT_DIR="$shots" \
  node slarules.mjs
