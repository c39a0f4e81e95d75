#!/usr/bin/env bash
# Runs kechan_bench_chain on a fresh SQLite file (and on PostgreSQL when KECHAN_BENCH_PG holds the
# URL of an EMPTY database). Build it first in a release build directory, e.g.
#   cmake -S . -B build-chain-rel -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKECHAN_SANITIZE=OFF
#   cmake --build build-chain-rel --target kechan_bench_chain -j2
# usage: bench/chain/run.sh BUILD_DIR [ENTERPRISES] [LINKS_PER] [PART]
#   (defaults 1000000, 5 and 500000). The import runs as separate processes of PART enterprises
#   each (--phase import --from N), then one process measures (--phase measure, with 100,000
#   more links through the links importer). Each process runs under `flock $KECHAN_BENCH_LOCK`
#   when that is set (a shared machine: keeps every locked run short). /usr/bin/time -v gives
#   each process's peak RSS on stderr.
set -euo pipefail
build="${1:?usage: bench/chain/run.sh BUILD_DIR [ENTERPRISES] [LINKS_PER] [PART]}"
n="${2:-1000000}"
per="${3:-5}"
part="${4:-500000}"
bin="$build/bench/chain/kechan_bench_chain"
work="$(mktemp -d /tmp/kechan-bench-chain.XXXXXX)"
trap 'rm -rf "$work"' EXIT
locked() {
  echo "$(date -u +%T) load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  if [ -n "${KECHAN_BENCH_LOCK:-}" ]; then
    flock "$KECHAN_BENCH_LOCK" /usr/bin/time -v "$@"
  else
    /usr/bin/time -v "$@"
  fi
}
run() {
  local db="$1"
  for ((from = 0; from < n; from += part)); do
    local to=$((from + part < n ? from + part : n))
    echo "$db: import enterprises $from..$((to - 1)) x $per links" >&2
    locked "$bin" --db "$db" --phase import --from "$from" --enterprises "$to" --links-per "$per"
  done
  echo "$db: measure" >&2
  locked "$bin" --db "$db" --phase measure --enterprises "$n" --links-per "$per" \
    --baseline-repeat 1 --link-rows 100000
}
run "$work/bench.db"
if [ -n "${KECHAN_BENCH_PG:-}" ]; then
  run "$KECHAN_BENCH_PG"
fi
