#!/usr/bin/env python3
"""Webhook intake throughput: signed WeCom group messages POSTed to a running kechan server.

Each worker thread keeps one HTTP/1.1 keep-alive connection and sends messages
  POST /api/v1/appeals/webhooks/wecom?timestamp=T&nonce=N&signature=S
with S = hex sha256(secret + T + N + body) (the WeCom shape AppealService checks). Senders
"bench-sender-0..K-1" must be mapped to enterprises (run_webhook.sh does that). A share of the
messages repeat an earlier text of the same sender (the service then appends to the open appeal
instead of opening one); the rest open new appeals.

Same-run baselines (unless --no-baseline), each with the same client threads and connections for
--baseline-seconds, run before the intake:
  healthz   GET /healthz: the HTTP server and this Python client alone;
  rejected  the same signed-message POST with a wrong signature (401 "webhook.signature"): the
            request parsing, routing and signature check, no database write.
Prints one JSON line: per phase requests/s, latency p50/p99 and status counts, plus the intake's
rate as a share of each baseline.

usage: webhook_bench.py URL SECRET [--seconds S] [--threads T] [--senders K] [--repeat-share R]
                        [--baseline-seconds B] [--no-baseline]
"""
import argparse
import hashlib
import http.client
import json
import threading
import time
import urllib.parse


def run_phase(u, seconds, threads, make_request):
    """Runs `threads` keep-alive clients for `seconds`; make_request(w, n) -> (method, path, body,
    headers). Returns the phase's summary."""
    lock = threading.Lock()
    latencies = []
    statuses = {}
    stop_at = time.time() + seconds

    def worker(w):
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        n = 0
        local_lat = []
        local_status = {}
        while time.time() < stop_at:
            n += 1
            method, path, body, headers = make_request(w, n)
            t0 = time.perf_counter()
            try:
                conn.request(method, path, body, headers)
                resp = conn.getresponse()
                resp.read()
                status = resp.status
            except (OSError, http.client.HTTPException):
                status = "error"
                conn.close()
                conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
            local_lat.append((time.perf_counter() - t0) * 1000)
            local_status[status] = local_status.get(status, 0) + 1
        conn.close()
        with lock:
            latencies.extend(local_lat)
            for k, v in local_status.items():
                statuses[str(k)] = statuses.get(str(k), 0) + v

    workers = [threading.Thread(target=worker, args=(w,)) for w in range(threads)]
    t0 = time.time()
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    elapsed = time.time() - t0
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] if latencies else 0

    return {"requests": len(latencies), "seconds": round(elapsed, 2),
            "requests_per_s": round(len(latencies) / elapsed, 1),
            "latency_ms": {"p50": round(pct(0.5), 1), "p99": round(pct(0.99), 1)},
            "status": statuses}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("secret")
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--senders", type=int, default=1000)
    ap.add_argument("--repeat-share", type=float, default=0.2)
    ap.add_argument("--baseline-seconds", type=float, default=5)
    ap.add_argument("--no-baseline", action="store_true")
    args = ap.parse_args()
    u = urllib.parse.urlparse(args.url)

    def message(w, n, secret, tag):
        repeat = (n % 100) < args.repeat_share * 100 and n > 1
        base = n - 1 if repeat else n  # a repeat: same sender, same text as the last one
        sender = "bench-sender-%d" % ((w * 7919 + base) % args.senders)
        text = "园区道路积水影响货车通行，请协调处理 %d w%d" % (base, w)
        body = json.dumps({"msgid": "%s-%d-%d-%f" % (tag, w, n, time.time()), "msgtype": "text",
                           "from": {"userid": sender}, "text": {"content": text}},
                          ensure_ascii=False).encode()
        ts = str(int(time.time()))
        nonce = "%s-%d-%d" % (tag, w, n)
        sig = hashlib.sha256((secret + ts + nonce).encode() + body).hexdigest()
        path = "/api/v1/appeals/webhooks/wecom?" + urllib.parse.urlencode(
            {"timestamp": ts, "nonce": nonce, "signature": sig})
        return "POST", path, body, {"Content-Type": "application/json"}

    out = {"threads": args.threads}
    if not args.no_baseline:
        out["healthz"] = run_phase(u, args.baseline_seconds, args.threads,
                                   lambda w, n: ("GET", "/healthz", None, {}))
        out["rejected"] = run_phase(u, args.baseline_seconds, args.threads,
                                    lambda w, n: message(w, n, args.secret + "-wrong", "r"))
    intake = run_phase(u, args.seconds, args.threads, lambda w, n: message(w, n, args.secret, "m"))
    # Kept at the top level as before (requests_per_s, latency_ms, status), plus the phases.
    out.update(intake)
    if not args.no_baseline:
        for name in ("healthz", "rejected"):
            base = out[name]["requests_per_s"]
            out["intake_share_of_" + name] = round(intake["requests_per_s"] / base, 3) if base else None
    print(json.dumps(out))


if __name__ == "__main__":
    main()
