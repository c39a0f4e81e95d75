#!/usr/bin/env bash
# Runs kechan_bench_policy on fresh SQLite files at 10,000 and 100,000 enterprises. Build it first
# in a release build directory, e.g.
#   cmake -S . -B build-policy-rel -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKECHAN_SANITIZE=OFF
#   cmake --build build-policy-rel --target kechan_bench_policy -j2
# usage: [REPEAT=3] bench/policy/run.sh BUILD_DIR [SIZES...]   (default sizes 10000 100000)
set -euo pipefail
build="${1:?usage: bench/policy/run.sh BUILD_DIR [SIZES...]}"
shift
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)
bin="$build/bench/policy/kechan_bench_policy"
work="$(mktemp -d /tmp/kechan-bench-policy.XXXXXX)"
trap 'rm -rf "$work"' EXIT
for n in "${sizes[@]}"; do
  echo "sqlite: $n enterprises" >&2
  "$bin" --db "$work/bench-$n.db" --enterprises "$n" --repeat "${REPEAT:-3}"
done
