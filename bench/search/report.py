#!/usr/bin/python3
"""Collects one bench/search/run.sh run (OUT/<dataset>/<peer>/{status,stats.json,metrics.json,
time.txt}) into OUT/results.json and OUT/results.md.

  report.py OUT
"""

import json
import os
import platform
import re
import sys
import time

PEERS = ["ours", "xapian", "fts5", "minisearch", "lunr", "flexsearch"]


def read_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def peak_rss_mib(path):
    try:
        with open(path, encoding="utf-8") as f:
            m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", f.read())
    except OSError:
        return None
    return round(int(m.group(1)) / 1024, 1) if m else None


def fmt(v, digits=3):
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:,.{digits}f}"
    return f"{v:,}" if isinstance(v, int) else str(v)


def machine():
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            m = re.search(r"model name\s*:\s*(.*)", f.read())
            cpu = m.group(1) if m else cpu
    except OSError:
        pass
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            mem = int(re.search(r"MemTotal:\s*(\d+)", f.read()).group(1)) // (1024 * 1024)
    except (OSError, AttributeError):
        mem = None
    return {"cpus": os.cpu_count(), "cpu": cpu, "mem_gib": mem, "load_avg": os.getloadavg()}


def main():
    out = sys.argv[1]
    results = {"date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()), "machine": machine(),
               "datasets": []}
    for ds in sorted(os.listdir(out)):
        ddir = os.path.join(out, ds)
        if not os.path.isdir(ddir):
            continue
        dataset = {"name": ds, "meta": read_json(os.path.join(ddir, "dataset.json")), "peers": []}
        names = [p for p in PEERS if os.path.isdir(os.path.join(ddir, p))]
        for peer in names:
            pdir = os.path.join(ddir, peer)
            try:
                with open(os.path.join(pdir, "status"), encoding="utf-8") as f:
                    status = f.read().strip()
            except OSError:
                status = "unknown"
            stats = read_json(os.path.join(pdir, "stats.json"))
            if stats is None:  # e.g. a timeout: keep the indexing rate seen so far
                try:
                    with open(os.path.join(pdir, "log"), encoding="utf-8") as f:
                        seen = re.findall(r"progress: indexed (\d+) docs in ([\d.]+) s", f.read())
                except OSError:
                    seen = []
                if seen:
                    n, secs = int(seen[-1][0]), float(seen[-1][1])
                    stats = {"docs_per_s": round(n / secs, 1) if secs else None,
                             "partial": f"indexed {n} docs in {secs:.0f} s before it stopped"}
                    status += f" ({stats['partial']})"
            try:
                with open(os.path.join(pdir, "load.txt"), encoding="utf-8") as f:
                    load = " → ".join(line.split()[0] for line in f if line.strip())
            except OSError:
                load = None
            dataset["peers"].append({
                "peer": peer, "status": status, "stats": stats, "load": load,
                "metrics": read_json(os.path.join(pdir, "metrics.json")),
                "peak_rss_mib": peak_rss_mib(os.path.join(pdir, "time.txt"))})
        results["datasets"].append(dataset)
    with open(os.path.join(out, "results.json"), "w", encoding="utf-8") as f:
        json.dump(results, f, ensure_ascii=False, indent=1)

    m = results["machine"]
    lines = [f"Run of {results['date_utc']} UTC on {m['cpus']} CPUs ({m['cpu']}), {m['mem_gib']} GiB, "
             f"load average at the end {m['load_avg'][0]:.1f}.", ""]
    for ds in results["datasets"]:
        meta = ds["meta"] or {}
        lines.append(f"### {ds['name']} ({fmt(meta.get('docs'))} documents, "
                     f"{fmt(meta.get('queries'))} queries)")
        lines.append("")
        lines.append("| peer | nDCG@10 | MRR@10 | R@1 | R@10 | R@100 | docs/s | p50 ms | p99 ms "
                     "| peak RSS MiB | load avg | note |")
        lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for p in ds["peers"]:
            s, q = p["stats"] or {}, p["metrics"] or {}
            note = "" if p["status"] == "ok" else p["status"]
            if s.get("query_errors"):
                note = (note + "; " if note else "") + f"{s['query_errors']} query errors"
            if s.get("metrics_from") and s["metrics_from"] != "evaluate.py":
                note = (note + "; " if note else "") + "metrics by " + s["metrics_from"]
            own = (s.get("raw") or {}).get("ndcg@10")
            if s.get("metrics_from") == "evaluate.py" and own is not None:
                note = (note + "; " if note else "") + f"its own nDCG@10: {own}"
            lines.append("| " + " | ".join([
                p["peer"], fmt(q.get("ndcg@10")), fmt(q.get("mrr@10")), fmt(q.get("recall@1")),
                fmt(q.get("recall@10")), fmt(q.get("recall@100")),
                fmt(round(s["docs_per_s"]) if s.get("docs_per_s") else None),
                fmt(s.get("p50_ms"), 1), fmt(s.get("p99_ms"), 1), fmt(p["peak_rss_mib"], 0),
                fmt(p.get("load")), note]) + " |")
        lines.append("")
    with open(os.path.join(out, "results.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
