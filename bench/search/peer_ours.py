#!/usr/bin/python3
"""Peer "ours": runs `kechan eval retrieval` on the same files and normalises what it prints.

  peer_ours.py --bin KECHAN --corpus C --queries Q --qrels R --run RUN --stats STATS --metrics M

If `kechan eval retrieval --help` mentions `--run`, the binary is asked to write its ranking
(query-id<TAB>corpus-id<TAB>rank, top 100) and the shared evaluate.py scores it, like every other
peer; otherwise the metrics are kechan's own (same definitions, noted in the stats as such).
Exit status 3 when the binary has no `eval retrieval` (the caller reports "skipped").
"""

import argparse
import json
import re
import subprocess
import sys

import evaluate


def flatten(obj, prefix=""):
    out = {}
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.update(flatten(v, f"{prefix}{k}."))
    else:
        out[prefix[:-1]] = obj
    return out


def pick(flat, *patterns):
    for key, value in flat.items():
        norm = re.sub(r"[^a-z0-9]", "", key.lower())
        if any(re.search(p, norm) for p in patterns) and isinstance(value, (int, float)):
            return value
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for a in ("bin", "corpus", "queries", "qrels", "run", "stats", "metrics"):
        ap.add_argument("--" + a, required=True)
    args = ap.parse_args()
    help_run = subprocess.run([args.bin, "eval", "retrieval", "--help"], capture_output=True,
                              text=True, check=False)
    help_text = help_run.stdout + help_run.stderr
    if help_run.returncode != 0 or "--corpus" not in help_text:
        print(f"{args.bin} has no `eval retrieval`: {help_text.strip()[:200]}", file=sys.stderr)
        sys.exit(3)
    cmd = [args.bin, "eval", "retrieval", "--corpus", args.corpus, "--queries", args.queries,
           "--qrels", args.qrels, "--json"]
    shared = "--run" in help_text
    if shared:
        cmd += ["--run", args.run]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        print(proc.stdout[-2000:], proc.stderr[-2000:], file=sys.stderr)
        sys.exit(proc.returncode or 1)
    start = proc.stdout.find("{")
    flat = flatten(json.loads(proc.stdout[start:]))
    stats = {"peer": "ours", "config": f"{args.bin} eval retrieval (its defaults; threads "
                                f"{flat.get('threads', '?')})",
             "docs": pick(flat, r"^docs$", r"documents$", r"indexeddocs"),
             "docs_per_s": pick(flat, r"docs.*pers", r"throughput"),
             "p50_ms": pick(flat, r"p50"), "p99_ms": pick(flat, r"p99"),
             "metrics_from": "evaluate.py" if shared else "kechan's own evaluator",
             "raw": flat}
    if shared:
        metrics = evaluate.evaluate(evaluate.read_qrels(args.qrels), evaluate.read_run(args.run))
    else:
        metrics = {"ndcg@10": pick(flat, r"ndcg10", r"ndcgat10", r"ndcgcut10"),
                   "mrr@10": pick(flat, r"mrr10", r"mrrat10"),
                   "recall@1": pick(flat, r"recall1$", r"recallat1$"),
                   "recall@10": pick(flat, r"recall10$", r"recallat10$"),
                   "recall@100": pick(flat, r"recall100$", r"recallat100$")}
    with open(args.stats, "w", encoding="utf-8") as f:
        json.dump(stats, f, ensure_ascii=False)
    with open(args.metrics, "w", encoding="utf-8") as f:
        json.dump(metrics, f)


if __name__ == "__main__":
    main()
