#!/usr/bin/env python3
"""Webhook intake throughput: signed WeCom group messages POSTed to a running kechan server.

Each worker thread keeps one HTTP/1.1 keep-alive connection and sends messages
  POST /api/v1/appeals/webhooks/wecom?timestamp=T&nonce=N&signature=S
with S = hex sha256(secret + T + N + body) (the WeCom shape AppealService checks). Senders
"bench-sender-0..K-1" must be mapped to enterprises (run.sh does that). A share of the messages
repeat an earlier text of the same sender (the service then appends to the open appeal instead of
opening one); the rest open new appeals. Prints one JSON line: requests/s, latency p50/p99,
status counts.

usage: webhook_bench.py URL SECRET [--seconds S] [--threads T] [--senders K] [--repeat-share R]
"""
import argparse
import hashlib
import http.client
import json
import threading
import time
import urllib.parse


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("secret")
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--senders", type=int, default=1000)
    ap.add_argument("--repeat-share", type=float, default=0.2)
    args = ap.parse_args()
    u = urllib.parse.urlparse(args.url)
    lock = threading.Lock()
    latencies = []
    statuses = {}
    stop_at = time.time() + args.seconds

    def worker(w):
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        n = 0
        local_lat = []
        local_status = {}
        while time.time() < stop_at:
            n += 1
            repeat = (n % 100) < args.repeat_share * 100 and n > 1
            base = n - 1 if repeat else n  # a repeat: same sender, same text as the last one
            sender = "bench-sender-%d" % ((w * 7919 + base) % args.senders)
            text = "园区道路积水影响货车通行，请协调处理 %d w%d" % (base, w)
            body = json.dumps({"msgid": "m-%d-%d-%f" % (w, n, time.time()), "msgtype": "text",
                               "from": {"userid": sender}, "text": {"content": text}},
                              ensure_ascii=False).encode()
            ts = str(int(time.time()))
            nonce = "%d-%d" % (w, n)
            sig = hashlib.sha256((args.secret + ts + nonce).encode() + body).hexdigest()
            path = "/api/v1/appeals/webhooks/wecom?" + urllib.parse.urlencode(
                {"timestamp": ts, "nonce": nonce, "signature": sig})
            t0 = time.perf_counter()
            try:
                conn.request("POST", path, body, {"Content-Type": "application/json"})
                resp = conn.getresponse()
                resp.read()
                status = resp.status
            except (OSError, http.client.HTTPException):
                status = "error"
                conn.close()
                conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
            local_lat.append((time.perf_counter() - t0) * 1000)
            local_status[status] = local_status.get(status, 0) + 1
        with lock:
            latencies.extend(local_lat)
            for k, v in local_status.items():
                statuses[str(k)] = statuses.get(str(k), 0) + v

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(args.threads)]
    t0 = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.time() - t0
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] if latencies else 0

    print(json.dumps({"requests": len(latencies), "seconds": round(elapsed, 2),
                      "requests_per_s": round(len(latencies) / elapsed, 1),
                      "latency_ms": {"p50": round(pct(0.5), 1), "p99": round(pct(0.99), 1)},
                      "threads": args.threads, "status": statuses}))


if __name__ == "__main__":
    main()
