#!/usr/bin/python3
"""The one evaluator every peer's ranking goes through, so the numbers are comparable.

  evaluate.py --qrels qrels.tsv --run run.tsv
    qrels.tsv  BEIR qrels: header "query-id<TAB>corpus-id<TAB>score", graded relevance (score > 0 relevant)
    run.tsv    one line per retrieved document: "query-id<TAB>corpus-id<TAB>rank" (rank 1 = best);
               only the first 100 per query are read
Prints JSON: ndcg@10, mrr@10, recall@1, recall@10, recall@100 and the number of queries evaluated.

Definitions (as pytrec_eval/BEIR): nDCG@10 with gain = graded score and discount log2(rank + 1),
ideal from the qrels; MRR@10 = 1/rank of the first relevant document in the top 10, else 0;
Recall@k = relevant documents in the top k / all relevant documents of the query. Averages are over
the queries that have at least one relevant document; a query the run does not answer scores 0.
"""

import argparse
import json
import math
import sys


def read_qrels(path):
    qrels = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f):
            parts = line.rstrip("\n").split("\t")
            if n == 0 and parts[0] == "query-id":
                continue
            if len(parts) < 3 or not line.strip():
                continue
            score = int(float(parts[2]))
            if score > 0:
                qrels.setdefault(parts[0], {})[parts[1]] = score
    return qrels


def read_run(path, depth=100):
    run = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3:
                continue
            run.setdefault(parts[0], []).append((int(parts[2]), parts[1]))
    return {q: [d for _, d in sorted(v)[:depth]] for q, v in run.items()}


def evaluate(qrels, run):
    sums = {"ndcg@10": 0.0, "mrr@10": 0.0, "recall@1": 0.0, "recall@10": 0.0, "recall@100": 0.0}
    for qid, rel in qrels.items():
        ranked = run.get(qid, [])
        dcg = sum(rel.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:10]))
        ideal = sorted(rel.values(), reverse=True)[:10]
        idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
        sums["ndcg@10"] += dcg / idcg
        for i, d in enumerate(ranked[:10]):
            if d in rel:
                sums["mrr@10"] += 1.0 / (i + 1)
                break
        for k in (1, 10, 100):
            sums[f"recall@{k}"] += sum(1 for d in ranked[:k] if d in rel) / len(rel)
    n = len(qrels)
    out = {k: round(v / n, 4) if n else 0.0 for k, v in sums.items()}
    out["queries"] = n
    out["answered"] = sum(1 for q in qrels if run.get(q))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--qrels", required=True)
    ap.add_argument("--run", required=True)
    args = ap.parse_args()
    qrels = read_qrels(args.qrels)
    if not qrels:
        sys.exit(f"evaluate.py: no relevant judgements in {args.qrels}")
    print(json.dumps(evaluate(qrels, read_run(args.run))))


if __name__ == "__main__":
    main()
