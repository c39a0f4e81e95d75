#!/usr/bin/env bash
# Runs kechan_bench_chain on a fresh SQLite file (and on PostgreSQL when KECHAN_BENCH_PG holds the
# URL of an EMPTY database). Build it first in a release build directory, e.g.
#   cmake -S . -B build-chain-rel -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKECHAN_SANITIZE=OFF
#   cmake --build build-chain-rel --target kechan_bench_chain -j2
# usage: bench/chain/run.sh BUILD_DIR [ENTERPRISES] [LINKS_PER]   (defaults 1000000 and 5)
set -euo pipefail
build="${1:?usage: bench/chain/run.sh BUILD_DIR [ENTERPRISES] [LINKS_PER]}"
n="${2:-1000000}"
per="${3:-5}"
bin="$build/bench/chain/kechan_bench_chain"
work="$(mktemp -d /tmp/kechan-bench-chain.XXXXXX)"
trap 'rm -rf "$work"' EXIT
echo "sqlite: $n enterprises x $per links" >&2
"$bin" --db "$work/bench.db" --enterprises "$n" --links-per "$per"
if [ -n "${KECHAN_BENCH_PG:-}" ]; then
  echo "postgresql: $n enterprises x $per links" >&2
  "$bin" --db "$KECHAN_BENCH_PG" --enterprises "$n" --links-per "$per"
fi
