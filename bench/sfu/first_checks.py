#!/usr/bin/env python3
"""ICE checks on the wire: for each ICE session seen in a pcap of lo, its connectivity checks in order, from which
address, and whether the server answered; then the time from a session's first check to its first answered one.

    tcpdump -i lo -s 300 -w /tmp/sfu.pcap udp &      # while bench/sfu/sfu-vs-janus.sh runs (root)
    /usr/bin/python3 bench/sfu/first_checks.py /tmp/sfu.pcap 44518 41000-41999

Ports (or ranges) name the servers (media-service's UDP port, Janus's RTP range); a client port inside a server range
(Janus's 41000-41999 lies in Linux's ephemeral range) is taken for a server. A session is the USERNAME of the
client's Binding requests (server ufrag : client ufrag). Only the standard library (and capture.py's pcap reader);
IPv4 on a pcap of lo.
"""
import collections
import statistics
import struct
import sys

from capture import read_udp_addressed


def stun(payload):
    """(type, transaction id, username) of a STUN message, else None."""
    if len(payload) < 20 or payload[0] > 3 or payload[4:8] != b"\x21\x12\xa4\x42":
        return None
    kind, length = struct.unpack(">HH", payload[:4])
    username, i = None, 20
    while i + 4 <= min(len(payload), 20 + length):
        attr, size = struct.unpack(">HH", payload[i:i + 4])
        if attr == 0x0006:
            username = payload[i + 4:i + 4 + size].decode(errors="replace")
        i += 4 + ((size + 3) & ~3)
    return kind, payload[8:20], username


def main():
    path, specs = sys.argv[1], sys.argv[2:]
    ranges = [tuple(int(p) for p in (s.split("-") if "-" in s else (s, s))) for s in specs]
    is_server = lambda port: any(lo <= port <= hi for lo, hi in ranges)
    checks = collections.OrderedDict()  # transaction id -> [time, session, from, to, answered at]
    try:
        for t, src, sport, dst, dport, payload, _ in read_udp_addressed(path):
            message = stun(payload)
            if not message:
                continue
            kind, tid, username = message
            if kind == 0x0001 and is_server(dport) and not is_server(sport) and username:
                checks.setdefault(tid, [t, username, "%s:%d" % (src, sport), "%s:%d" % (dst, dport), None])
            elif kind == 0x0101 and is_server(sport) and tid in checks and checks[tid][4] is None:
                checks[tid][4] = t
    except ValueError as e:  # not a pcap this reads (capture.py says which)
        sys.exit(str(e))
    sessions = collections.OrderedDict()
    for t, session, src, dst, answered in checks.values():
        sessions.setdefault(session, []).append((t, src, dst, answered))
    waits = []
    for session, list_ in sessions.items():
        first = list_[0][0]
        print(session)
        for t, src, dst, answered in list_[:6]:
            print("  +%6.1f ms  %-21s -> %-21s %s" % ((t - first) * 1000, src, dst,
                  "answered in %.1f ms" % ((answered - t) * 1000) if answered else "not answered"))
        ok = [t for t, _, _, answered in list_ if answered]
        if ok:
            waits.append((ok[0] - first) * 1000)
    if waits:
        print("sessions %d; first check to first answered check: median %.1f ms, max %.1f ms"
              % (len(waits), statistics.median(waits), max(waits)))


if __name__ == "__main__":
    main()
