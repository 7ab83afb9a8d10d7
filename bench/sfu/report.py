#!/usr/bin/python3
"""Prints the markdown table of an sfu-vs-janus.sh results file (JSON lines from sfu_load.py).

    /usr/bin/python3 bench/sfu/report.py bench/sfu/results-2026-11-25T1700.jsonl
"""
import collections
import json
import statistics
import sys


def fmt(v, digits=1):
    return "-" if v is None else ("%.*f" % (digits, v))


def main(path):
    lines = [json.loads(line) for line in open(path) if line.strip().startswith("{")]
    runs = [r for r in lines if "forwardedMbps" in r]
    for r in lines:
        if r.get("failed"):
            print("%s %dx%d: failed twice (see the script's output)" % (r["server"], r["rooms"], r["subscribersPerRoom"]))
    print("| server | rooms x subscribers | forwarded Mbps | forwarded pps | server CPU % | Mbps per core "
          "| latency p50 / p99 ms (samples) | received by tool Mbps | tool CPU % | load avg |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in runs:
        lat = r.get("latency") or {}
        print("| %s | %dx%d | %s | %d | %s | %s | %s / %s (%s) | %s | %s | %s |" % (
            r["server"], r["rooms"], r["subscribersPerRoom"], fmt(r["forwardedMbps"], 2), r["forwardedPps"],
            fmt(r["serverCpuPercent"]), fmt(r["mbpsPerCore"]), fmt(lat.get("p50Ms"), 2), fmt(lat.get("p99Ms"), 1),
            lat.get("samples", "-"), fmt(r["receivedMbps"], 2), fmt(r["toolCpuPercent"]),
            "-".join(str(x) for x in r["loadAverage1m"])))
    by_load = collections.defaultdict(lambda: collections.defaultdict(list))
    for r in runs:
        by_load[(r["rooms"], r["subscribersPerRoom"])][r["server"]].append(r)
    print()
    print("| rooms x subscribers | Mbps per core: icemesh / Janus | latency p50: icemesh / Janus "
          "| latency p99: icemesh / Janus |")
    print("|---|---|---|---|")
    for (rooms, subs), servers in sorted(by_load.items()):
        if "icemesh" not in servers or "janus" not in servers:
            continue

        def med(server, get):
            values = [get(r) for r in servers[server] if get(r) is not None]
            return statistics.median(values) if values else None

        def ratio(get):
            a, b = med("icemesh", get), med("janus", get)
            return "-" if not a or not b else "%.2f" % (a / b)

        print("| %dx%d | %s | %s | %s |" % (rooms, subs, ratio(lambda r: r["mbpsPerCore"]),
                                          ratio(lambda r: (r.get("latency") or {}).get("p50Ms")),
                                          ratio(lambda r: (r.get("latency") or {}).get("p99Ms"))))


if __name__ == "__main__":
    main(sys.argv[1])
