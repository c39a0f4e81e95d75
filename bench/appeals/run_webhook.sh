#!/usr/bin/env bash
# Webhook intake throughput through the real HTTP server (issue 4 "Measured").
# usage: bench/appeals/run_webhook.sh BUILD_DIR [SECONDS=10] [CLIENT_THREADS=4] [SERVER_THREADS=2]
#                                     [BASELINE_SECONDS=5]
# Creates a fresh data directory (SQLite, default synchronous=FULL), maps 1,000 WeCom senders to
# 1,000 enterprises, sets the WeCom secret, starts `kechan serve`, runs webhook_bench.py (same-run
# baselines first: GET /healthz and wrongly signed messages, BASELINE_SECONDS each), stops.
# Prints the load average before and after, the bench's JSON line and the rows written.
set -euo pipefail
BUILD=${1:?build dir}
SECONDS_RUN=${2:-10}
CLIENTS=${3:-4}
SERVER_THREADS=${4:-2}
BASELINE_SECONDS=${5:-5}
BIN=$BUILD/kechan
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=$(mktemp -d /tmp/kechan-webhook-bench.XXXXXX)
SECRET=bench-wecom-secret-0123456789
trap 'kill $SERVER_PID 2>/dev/null || true; wait $SERVER_PID 2>/dev/null || true; rm -rf "$DIR"' EXIT
SERVER_PID=0
"$BIN" migrate --data "$DIR" >/dev/null
python3 - "$DIR/kechan.db" "$SECRET" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("INSERT INTO app_settings (key, value, updated_at) VALUES "
           "('appeals.webhook.wecom_secret', ?, 0)", (sys.argv[2],))
for i in range(1000):
    db.execute("INSERT INTO orgs (id, kind, name, created_at) VALUES (?, 'enterprise', ?, 0)",
               (100000 + i, "企业%d" % i))
    db.execute("INSERT INTO appeal_group_senders (platform, sender, org_id, created_at) VALUES "
               "('wecom', ?, ?, 0)", ("bench-sender-%d" % i, 100000 + i))
db.commit()
PY
"$BIN" serve --data "$DIR" --listen 127.0.0.1:0 --threads "$SERVER_THREADS" >"$DIR/serve.out" 2>"$DIR/serve.err" &
SERVER_PID=$!
PORT=""
for _ in $(seq 1 100); do
  PORT=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$DIR/serve.out" | head -1)
  [ -n "$PORT" ] && break
  sleep 0.1
done
[ -n "$PORT" ] || { echo "server did not start" >&2; cat "$DIR/serve.err" >&2; exit 1; }
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$HERE/webhook_bench.py" "http://127.0.0.1:$PORT" "$SECRET" --seconds "$SECONDS_RUN" \
  --threads "$CLIENTS" --baseline-seconds "$BASELINE_SECONDS"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$DIR/kechan.db" <<'PY'
import sqlite3, sys, json
db = sqlite3.connect(sys.argv[1])
q = lambda s: db.execute(s).fetchone()[0]
print(json.dumps({"appeals_created": q("SELECT COUNT(*) FROM appeals"),
                  "messages": q("SELECT COUNT(*) FROM appeal_webhook_messages"),
                  "appended": q("SELECT COUNT(*) FROM appeal_webhook_messages WHERE status = 'appended'"),
                  "facts_rows": q("SELECT COUNT(*) FROM appeal_facts")}))
PY
