#!/usr/bin/env python3
"""ICE checks on the wire: for each ICE session seen in a pcap of lo, its connectivity checks in order, from which
address, and whether the server answered; then the time from a session's first check to its first answered one.

    tcpdump -i lo -s 300 -w /tmp/sfu.pcap udp &      # while bench/sfu/sfu-vs-janus.sh runs (root)
    /usr/bin/python3 bench/sfu/first_checks.py /tmp/sfu.pcap 44518 41000-41999

Ports (or ranges) name the servers (media-service's UDP port, Janus's RTP range); a client port inside a server range
(Janus's 41000-41999 lies in Linux's ephemeral range) is taken for a server. A session is the USERNAME of the
client's Binding requests (server ufrag : client ufrag). Only the standard library; IPv4 on a pcap of lo.
"""
import collections
import statistics
import struct
import sys


def packets(path):
    with open(path, "rb") as f:
        header = f.read(24)
        nanos = struct.unpack("<I", header[:4])[0] == 0xA1B23C4D
        link = struct.unpack("<I", header[20:24])[0]
        if link not in (0, 1, 113, 276):
            sys.exit("link type %d not handled (capture on lo: tcpdump -i lo)" % link)
        offset = {0: 4, 1: 14, 113: 16, 276: 20}[link]
        while True:
            record = f.read(16)
            if len(record) < 16:
                return
            sec, frac, caplen, _ = struct.unpack("<IIII", record)
            data = f.read(caplen)
            ip = data[offset:]
            if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
                continue
            ihl = (ip[0] & 15) * 4
            sport, dport = struct.unpack(">HH", ip[ihl:ihl + 4])
            yield (sec + frac / (1e9 if nanos else 1e6), ".".join(map(str, ip[12:16])), sport,
                   ".".join(map(str, ip[16:20])), dport, ip[ihl + 8:])


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
    for t, src, sport, dst, dport, payload in packets(path):
        message = stun(payload)
        if not message:
            continue
        kind, tid, username = message
        if kind == 0x0001 and is_server(dport) and not is_server(sport) and username:
            checks.setdefault(tid, [t, username, "%s:%d" % (src, sport), "%s:%d" % (dst, dport), None])
        elif kind == 0x0101 and is_server(sport) and tid in checks and checks[tid][4] is None:
            checks[tid][4] = t
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
