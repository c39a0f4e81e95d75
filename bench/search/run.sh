#!/usr/bin/env bash
# Side-by-side search benchmark of issue 5: kechan ("ours", via `kechan eval retrieval`) against
# Xapian used the plain way, SQLite FTS5 (trigram), minisearch, lunr and flexsearch, on the same
# corpus and queries, all rankings scored by the one evaluator (evaluate.py).
#
#   bench/search/run.sh [--docs N] [--queries N] [--only peer,...] [--data DIR] [--no-fixtures]
#                       [--timeout SECONDS] [--out DIR]
#     --docs N        synthetic documents (default 100000); generated once into the work folder
#     --queries N     synthetic queries (default 500)
#     --only LIST     peers to run, comma-separated, from: ours,xapian,fts5,minisearch,lunr,flexsearch
#     --data DIR      a BEIR-style folder (corpus.jsonl, queries.jsonl, qrels.tsv or qrels/test.tsv)
#                     to run instead of the synthetic corpus
#     --no-fixtures   skip the hand-labelled fixtures (tests/fixtures/search/, run when present)
#     --timeout S     wall-clock limit per peer and dataset (default 1800); a peer over it is
#                     reported as "timeout"
#     --out DIR       results folder (default build-peers/search/results-<date>)
#   Environment: KECHAN_BIN (default: the first of build/kechan, build-search/kechan that has
#   `eval retrieval`), WORK (default build-peers/search), NODE_HEAP_MB (default 12288),
#   NICE (niceness of every peer, default 0), BENCH_LOCK (a file to flock around each peer's
#   run, e.g. /tmp/kechan-bench.lock on the shared machine; default none).
#
# Installs nothing: it checks what each peer needs, says what is missing and how to get it, and
# skips that peer. One peer at a time; peak RSS comes from /usr/bin/time -v; the load average
# before and after each peer goes into its folder (load.txt) and the table.
# Writes OUT/results.md and OUT/results.json and prints the table.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
DOCS=100000
QUERIES=500
ONLY=ours,fts5,flexsearch,minisearch,xapian,lunr
DATA=
FIXTURES=1
TIMEOUT=1800
WORK=${WORK:-$ROOT/build-peers/search}
OUT=
NODE_HEAP_MB=${NODE_HEAP_MB:-12288}
NICE=${NICE:-0}
BENCH_LOCK=${BENCH_LOCK:-}
PY=/usr/bin/python3

usage() { sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --docs) DOCS=$2; shift 2 ;;
    --queries) QUERIES=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    --data) DATA=$(cd "$2" && pwd); shift 2 ;;
    --no-fixtures) FIXTURES=0; shift ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    -h|--help) usage ;;
    *) echo "run.sh: unknown argument $1" >&2; usage ;;
  esac
done
[[ $DOCS =~ ^[1-9][0-9]*$ && $QUERIES =~ ^[1-9][0-9]*$ && $TIMEOUT =~ ^[1-9][0-9]*$ ]] \
  || { echo "run.sh: --docs, --queries and --timeout take positive whole numbers" >&2; exit 2; }
OUT=${OUT:-$WORK/results-$(date -u +%Y%m%dT%H%M%S)}

# ---- what is there ------------------------------------------------------------------------------
declare -A MISSING=()
have_py() { [[ -x $PY ]] && $PY -c "$1" >/dev/null 2>&1; }
[[ -x $PY ]] || { echo "run.sh: needs Debian's $PY (apt-get install python3)" >&2; exit 1; }
TIME_CMD=()
if [[ -x /usr/bin/time ]]; then TIME_CMD=(/usr/bin/time -v -o); else
  echo "note: /usr/bin/time missing (apt-get install time): peak memory will not be reported"
fi
have_py 'import xapian' || MISSING[xapian]="python3-xapian (apt-get install python3-xapian)"
have_py "import sqlite3; sqlite3.connect(':memory:').execute(\"create virtual table t using fts5(x, tokenize='trigram')\")" \
  || MISSING[fts5]="python3's sqlite3 with FTS5 trigram (SQLite >= 3.34)"
for p in minisearch lunr flexsearch; do
  if ! command -v node >/dev/null; then MISSING[$p]="node (apt-get install nodejs)"
  elif [[ ! -f $HERE/node_modules/$p/package.json ]]; then
    MISSING[$p]="npm package $p (cd bench/search && npm ci)"
  fi
done
ours_ok() { "$1" eval retrieval --help 2>&1 | grep -q -- '--corpus'; }
if [[ -z ${KECHAN_BIN:-} ]]; then
  for c in "$ROOT/build/kechan" "$ROOT/build-search/kechan"; do
    if [[ -x $c ]] && ours_ok "$c"; then KECHAN_BIN=$c; break; fi
  done
fi
if [[ -z ${KECHAN_BIN:-} ]] || ! ours_ok "$KECHAN_BIN"; then
  MISSING[ours]="a kechan binary with \`eval retrieval\` (build it: scripts/build release, or set KECHAN_BIN)"
fi

IFS=, read -r -a PEERS <<<"$ONLY"
for p in "${PEERS[@]}"; do
  case $p in ours|xapian|fts5|minisearch|lunr|flexsearch) ;;
    *) echo "run.sh: unknown peer $p" >&2; exit 2 ;; esac
  if [[ -n ${MISSING[$p]:-} ]]; then echo "skipping $p: missing ${MISSING[$p]}"; fi
done
mkdir -p "$WORK" "$OUT"

# ---- datasets -----------------------------------------------------------------------------------
DATASETS=()  # name=folder
qrels_of() { if [[ -f $1/qrels.tsv ]]; then echo "$1/qrels.tsv"; else echo "$1/qrels/test.tsv"; fi; }
is_beir() { [[ -f $1/corpus.jsonl && -f $1/queries.jsonl && -f $(qrels_of "$1") ]]; }
if [[ -n $DATA ]]; then
  is_beir "$DATA" || { echo "run.sh: $DATA lacks corpus.jsonl, queries.jsonl or qrels" >&2; exit 2; }
  DATASETS+=("$(basename "$DATA")=$DATA")
else
  SYN=$WORK/synthetic-$DOCS-q$QUERIES
  if ! grep -q '"generator_version": 1' "$SYN/meta.json" 2>/dev/null; then
    echo "== generating $DOCS synthetic documents into $SYN"
    nice -n 19 $PY "$HERE/gen_corpus.py" --docs "$DOCS" --queries "$QUERIES" --out "$SYN"
  fi
  DATASETS+=("synthetic-$DOCS=$SYN")
fi
FIXDIR=$ROOT/tests/fixtures/search
if [[ $FIXTURES == 1 && -d $FIXDIR ]]; then
  if is_beir "$FIXDIR"; then DATASETS+=("fixture=$FIXDIR"); fi
  for d in "$FIXDIR"/*/; do
    d=${d%/}
    if is_beir "$d"; then DATASETS+=("fixture-$(basename "$d")=$d"); fi
  done
fi

# ---- run ----------------------------------------------------------------------------------------

run_peer() {  # dataset-name folder peer
  local name=$1 dir=$2 peer=$3 pdir=$OUT/$1/$3 qrels
  qrels=$(qrels_of "$dir")
  mkdir -p "$pdir"
  if [[ -n ${MISSING[$peer]:-} ]]; then echo "skipped: missing ${MISSING[$peer]}" >"$pdir/status"; return; fi
  local common=(--corpus "$dir/corpus.jsonl" --queries "$dir/queries.jsonl" --run "$pdir/run.tsv"
                --stats "$pdir/stats.json")
  local cmd
  case $peer in
    xapian) cmd=("$PY" "$HERE/peer_xapian.py" "${common[@]}" --index-dir "$WORK/index-xapian") ;;
    fts5) cmd=("$PY" "$HERE/peer_fts5.py" "${common[@]}" --index-dir "$WORK/index-fts5") ;;
    minisearch|lunr|flexsearch)
      cmd=(node --max-old-space-size="$NODE_HEAP_MB" "$HERE/peer_node.js" --engine "$peer" "${common[@]}") ;;
    ours) cmd=("$PY" "$HERE/peer_ours.py" --bin "$KECHAN_BIN" "${common[@]}" --qrels "$qrels"
               --metrics "$pdir/metrics.json") ;;
  esac
  echo "== $name: $peer"
  local rc=0 lock=()
  if [[ -n $BENCH_LOCK ]]; then lock=(flock "$BENCH_LOCK"); fi
  local body=(nice -n "$NICE" timeout "$TIMEOUT")
  if [[ ${#TIME_CMD[@]} -gt 0 ]]; then body+=("${TIME_CMD[@]}" "$pdir/time.txt"); fi
  # The load average is read inside the lock, right before and after the peer runs.
  "${lock[@]}" bash -c 'lf=$1; shift; cut -d" " -f1-3 /proc/loadavg >"$lf"; rc=0; "$@" || rc=$?
    cut -d" " -f1-3 /proc/loadavg >>"$lf"; exit $rc' _ "$pdir/load.txt" \
    "${body[@]}" "${cmd[@]}" >"$pdir/log" 2>&1 || rc=$?
  if [[ $rc == 124 ]]; then echo "timeout after ${TIMEOUT}s" >"$pdir/status"
  elif [[ $peer == ours && $rc == 3 ]]; then echo "skipped: binary has no eval retrieval" >"$pdir/status"
  elif [[ $rc != 0 ]]; then echo "failed (exit $rc, see $pdir/log)" >"$pdir/status"; tail -5 "$pdir/log" >&2
  else
    if [[ $peer != ours ]]; then
      $PY "$HERE/evaluate.py" --qrels "$qrels" --run "$pdir/run.tsv" >"$pdir/metrics.json"
    fi
    echo ok >"$pdir/status"
  fi
  rm -rf "$WORK/index-$peer"
  echo "   $(cat "$pdir/status"); $(cat "$pdir/metrics.json" 2>/dev/null || true)"
}

for entry in "${DATASETS[@]}"; do
  name=${entry%%=*}
  dir=${entry#*=}
  mkdir -p "$OUT/$name"
  $PY - "$dir" "$(qrels_of "$dir")" >"$OUT/$name/dataset.json" <<'EOF'
import json, sys
d, qrels = sys.argv[1], sys.argv[2]
count = lambda p: sum(1 for line in open(p, encoding="utf-8") if line.strip())
meta = {"folder": d, "docs": count(d + "/corpus.jsonl"), "queries": count(d + "/queries.jsonl"),
        "judgements": count(qrels) - 1}
print(json.dumps(meta))
EOF
  for p in "${PEERS[@]}"; do run_peer "$name" "$dir" "$p"; done
done
$PY "$HERE/report.py" "$OUT"
echo
echo "results: $OUT/results.md and $OUT/results.json"
