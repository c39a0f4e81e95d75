"""Shared plumbing of the Python peers (peer_xapian.py, peer_fts5.py): arguments, corpus reading,
the timed top-10 query pass, the untimed top-100 run file, and the stats JSON. Not thread-safe."""

import argparse
import json
import math
import sys
import time


def parse_args(description):
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--queries", required=True)
    ap.add_argument("--index-dir", required=True, help="scratch folder for the index (overwritten)")
    ap.add_argument("--run", required=True, help="output: query-id<TAB>corpus-id<TAB>rank, top 100")
    ap.add_argument("--stats", required=True, help="output: JSON with throughput and latency")
    return ap.parse_args()


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def percentile(sorted_values, p):
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(p / 100.0 * len(sorted_values)))
    return sorted_values[rank - 1]


def run_peer(args, name, config, index_fn, search_fn):
    """index_fn(docs_iterable) -> count; search_fn(text, k) -> [doc ids] (may raise)."""
    t0 = time.perf_counter()

    def progress(docs):
        for n, d in enumerate(docs, 1):
            yield d
            if n % 10000 == 0:
                print(f"progress: indexed {n} docs in {time.perf_counter() - t0:.1f} s",
                      file=sys.stderr, flush=True)

    count = index_fn(progress(read_jsonl(args.corpus)))
    index_s = time.perf_counter() - t0
    queries = list(read_jsonl(args.queries))
    errors = []
    for q in queries[:20]:  # warm-up, untimed
        try:
            search_fn(q["text"], 10)
        except Exception:  # noqa: BLE001 - counted below
            pass
    lat = []
    for q in queries:
        t = time.perf_counter()
        try:
            search_fn(q["text"], 10)
        except Exception as e:  # noqa: BLE001 - a peer's query error is a result, not a crash
            errors.append(f'{q["_id"]}: {type(e).__name__}: {e}')
        lat.append((time.perf_counter() - t) * 1000.0)
    lat.sort()
    with open(args.run, "w", encoding="utf-8") as out:
        for q in queries:
            try:
                ids = search_fn(q["text"], 100)
            except Exception:  # noqa: BLE001 - already counted
                ids = []
            for rank, d in enumerate(ids, 1):
                out.write(f'{q["_id"]}\t{d}\t{rank}\n')
    stats = {"peer": name, "config": config, "docs": count, "index_s": round(index_s, 3),
             "docs_per_s": round(count / index_s, 1) if index_s > 0 else None,
             "queries": len(queries), "p50_ms": round(percentile(lat, 50), 3),
             "p99_ms": round(percentile(lat, 99), 3), "query_errors": len(errors),
             "query_error_examples": errors[:3]}
    with open(args.stats, "w", encoding="utf-8") as f:
        json.dump(stats, f, ensure_ascii=False)
