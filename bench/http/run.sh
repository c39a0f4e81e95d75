#!/usr/bin/env bash
# Compares the kechan server with a bare Boost.Beast responder under wrk on loopback.
#
#   bench/http/run.sh KECHAN_URL [TOKEN]
#     KECHAN_URL  base URL of a running kechan server, e.g. http://127.0.0.1:8080 (start it with
#                 --metrics_public true so the RSS can be read from /metrics)
#     TOKEN       bearer token for the authenticated read (omit to skip that case)
#   Environment:
#     MINIMAL_BIN   the baseline binary (default: build/kechan_bench_minimal_http)
#     MINIMAL_PORT  its port (default 18081)
#     THREADS       its thread count; use the kechan server's --threads (default 4)
#     READ_PATH     authenticated JSON read endpoint (default /api/v1/session)
#     DURATION      wrk duration per case (default 10s)
#     WRK_THREADS   wrk threads (default 2)
#     CONNECTIONS   connection counts (default "64 512")
#
# Prints, per case and connection count: requests/s, the ratio to the minimal responder at the same
# connection count, p99 latency and non-2xx responses; then the RSS of both servers.
# Numbers are only comparable within one run on one machine (wrk shares the CPUs with the servers).
set -euo pipefail

if [[ $# -lt 1 ]]; then
  sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
KECHAN_URL=${1%/}
TOKEN=${2:-}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MINIMAL_BIN=${MINIMAL_BIN:-$ROOT/build/kechan_bench_minimal_http}
MINIMAL_PORT=${MINIMAL_PORT:-18081}
THREADS=${THREADS:-4}
READ_PATH=${READ_PATH:-/api/v1/session}
DURATION=${DURATION:-10s}
WRK_THREADS=${WRK_THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64 512}

command -v wrk >/dev/null || { echo "wrk not found (apt-get install wrk)" >&2; exit 1; }
command -v curl >/dev/null || { echo "curl not found" >&2; exit 1; }
[[ -x $MINIMAL_BIN ]] || { echo "no $MINIMAL_BIN; build target kechan_bench_minimal_http" >&2; exit 1; }

if ! curl -fsS -o /dev/null "$KECHAN_URL/healthz"; then
  echo "kechan does not answer at $KECHAN_URL/healthz" >&2
  exit 1
fi
if [[ -n $TOKEN ]]; then
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
    "$KECHAN_URL$READ_PATH")
  if [[ $code != 200 ]]; then
    echo "GET $READ_PATH with the token answered $code, not 200; check TOKEN/READ_PATH" >&2
    exit 1
  fi
fi

if curl -s -o /dev/null "http://127.0.0.1:$MINIMAL_PORT/" 2>/dev/null; then
  echo "port $MINIMAL_PORT is already in use; set MINIMAL_PORT" >&2
  exit 1
fi
"$MINIMAL_BIN" --listen "127.0.0.1:$MINIMAL_PORT" --threads "$THREADS" 2>/dev/null &
MINIMAL_PID=$!
trap 'kill "$MINIMAL_PID" 2>/dev/null || true; wait "$MINIMAL_PID" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  curl -fsS -o /dev/null "http://127.0.0.1:$MINIMAL_PORT/healthz" 2>/dev/null && break
  sleep 0.1
done
if ! kill -0 "$MINIMAL_PID" 2>/dev/null; then
  echo "the minimal responder did not start on port $MINIMAL_PORT" >&2
  exit 1
fi
MINIMAL_URL="http://127.0.0.1:$MINIMAL_PORT"

# run_wrk URL [HEADER] -> prints "RPS P99 NON2XX"
run_wrk() {
  local url=$1 header=${2:-} conns=$3 out
  if [[ -n $header ]]; then
    out=$(wrk -t"$WRK_THREADS" -c"$conns" -d"$DURATION" --latency -H "$header" "$url")
  else
    out=$(wrk -t"$WRK_THREADS" -c"$conns" -d"$DURATION" --latency "$url")
  fi
  awk '
    /^Requests\/sec:/ { rps = $2 }
    $1 == "99%" { p99 = $2 }
    /Non-2xx or 3xx responses:/ { bad += $5 }
    /Socket errors:/ { gsub(",", ""); bad += $4 + $6 + $8 + $10 }
    END { printf "%s %s %d\n", (rps == "" ? 0 : rps), (p99 == "" ? "?" : p99), bad }
  ' <<<"$out"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

printf '%-34s %6s %12s %8s %10s %8s\n' case conns req/s ratio p99 errors
for conns in $CONNECTIONS; do
  read -r base_rps base_p99 base_bad < <(run_wrk "$MINIMAL_URL/healthz" "" "$conns")
  printf '%-34s %6s %12.0f %8s %10s %8s\n' "minimal beast /healthz" "$conns" "$base_rps" "1.00" \
    "$base_p99" "$base_bad"
  read -r rps p99 bad < <(run_wrk "$KECHAN_URL/healthz" "" "$conns")
  printf '%-34s %6s %12.0f %8s %10s %8s\n' "kechan /healthz" "$conns" "$rps" \
    "$(ratio "$rps" "$base_rps")" "$p99" "$bad"
  if [[ -n $TOKEN ]]; then
    read -r rps p99 bad < <(run_wrk "$KECHAN_URL$READ_PATH" "Authorization: Bearer $TOKEN" "$conns")
    printf '%-34s %6s %12.0f %8s %10s %8s\n' "kechan GET $READ_PATH (bearer)" "$conns" "$rps" \
      "$(ratio "$rps" "$base_rps")" "$p99" "$bad"
  fi
done

rss_kechan=$(curl -fsS "$KECHAN_URL/metrics" | awk '$1 == "process_resident_memory_bytes" {printf "%.1f", $2 / 1048576}')
rss_minimal=$(awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' "/proc/$MINIMAL_PID/status")
echo
echo "RSS after the run: kechan ${rss_kechan:-?} MiB (from /metrics), minimal ${rss_minimal} MiB"
