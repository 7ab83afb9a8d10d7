#!/usr/bin/python3
"""The table of a loadgen-bench.sh run: one row per load, media-service beside Janus, and their ratio."""
import collections
import json
import sys


def main(path):
    runs = collections.defaultdict(dict)
    order = []
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            key = (r.get("rooms"), r.get("subscribers_per_room"), r.get("clip"))
            if key not in runs:
                order.append(key)
            runs[key].setdefault(r["server"], []).append(r)
    print("| load | clip | forwarded Mbit/s (icemesh / janus) | server cores | Mbit/s per core | ratio | loss % "
          "| latency p50 / p99 ms (icemesh ; janus) | tool cores | handshakes/s | RSS MB | failed |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for key in order:
        rooms, subs, clip = key
        i = runs[key].get("icemesh", [{}])[-1]
        j = runs[key].get("janus", [{}])[-1]

        def pair(field):
            return "%s / %s" % (i.get(field, "-"), j.get(field, "-"))

        ratio = "-"
        if i.get("mbps_per_server_core") and j.get("mbps_per_server_core"):
            ratio = "%.2fx" % (i["mbps_per_server_core"] / j["mbps_per_server_core"])
        def latency(r):
            lat = r.get("latency_ms", {})
            return "%s / %s" % (lat.get("p50", "-"), lat.get("p99", "-"))

        print("| %sx%s | %s | %s | %s | %s | %s | %s | %s ; %s | %s | %s | %s | %s |" % (
            rooms, subs, clip, pair("received_mbps"), pair("server_cores"), pair("mbps_per_server_core"), ratio,
            pair("loss_pct"), latency(i), latency(j), pair("tool_cores"), pair("handshakes_per_s"),
            pair("server_rss_mb"), pair("failed")))


if __name__ == "__main__":
    main(sys.argv[1])
