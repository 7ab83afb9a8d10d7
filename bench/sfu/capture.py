"""Forwarding latency from a loopback capture: when a publisher's RTP packet entered the SFU and when each copy of
it left for a subscriber.

SRTP leaves the RTP header in clear (RFC 3711), so packets are matched on it: media-service forwards with the
publisher's SSRC and sequence number; Janus gives each subscriber stream its own SSRC and shifts sequence numbers by
a constant per stream, found here as the (publisher stream, shift) most of the stream's first packets agree on.
Times are the kernel's capture timestamps on lo, i.e. at sendmsg() of the publisher and of the SFU, so the latency
includes the SFU's socket queueing and scheduling.
"""
import collections
import signal
import struct
import subprocess
import time

MATCH_WINDOW_S = 0.5
"""How far back an SFU output may look for its input when the shift of a Janus stream is being found."""
VOTE_PACKETS = 60


def start(pcap, bpf, snaplen=96):
    """Starts tcpdump on lo writing pcap; returns the process (stop with stop())."""
    proc = subprocess.Popen(["tcpdump", "-i", "lo", "-n", "-s", str(snaplen), "-B", "32768",
                             "--time-stamp-precision=micro", "-w", pcap, bpf],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)  # tcpdump attaches its filter before we count
    if proc.poll() is not None:
        raise RuntimeError("tcpdump exited: " + proc.stderr.read())
    return proc


def stop(proc):
    """Stops tcpdump and returns its summary (packets captured, dropped by kernel)."""
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    return " / ".join(line.strip() for line in err.splitlines() if "packets" in line)


LINK_HEADER_BYTES = {0: 4, 1: 14, 113: 16, 276: 20}
"""Bytes before the IP header per pcap link type: BSD loopback, Ethernet (lo), Linux cooked, Linux cooked v2."""


def read_udp_addressed(pcap):
    """Yields (time s, src address, src port, dst address, dst port, udp payload, udp payload length) of the IPv4 UDP
    packets of a little-endian pcap; the payload may be cut short by the capture's snaplen, the length is not."""
    with open(pcap, "rb") as f:
        head = f.read(24)
        magic = struct.unpack("<I", head[:4])[0]
        if magic == 0xA1B2C3D4:
            endian, scale = "<", 1e-6
        elif magic == 0xA1B23C4D:
            endian, scale = "<", 1e-9
        else:
            raise ValueError("not a little-endian pcap file: %x" % magic)
        linktype = struct.unpack(endian + "I", head[20:24])[0]
        if linktype not in LINK_HEADER_BYTES:
            raise ValueError("link type %d not handled (capture on lo: tcpdump -i lo)" % linktype)
        l2 = LINK_HEADER_BYTES[linktype]
        rec = struct.Struct(endian + "IIII")
        while True:
            h = f.read(16)
            if len(h) < 16:
                return
            sec, frac, caplen, _ = rec.unpack(h)
            data = f.read(caplen)
            ip = data[l2:]
            if len(ip) < 28 or ip[0] >> 4 != 4 or ip[9] != 17:
                continue
            ihl = (ip[0] & 0x0F) * 4
            sport, dport = struct.unpack("!HH", ip[ihl:ihl + 4])
            yield (sec + frac * scale, ".".join(map(str, ip[12:16])), sport, ".".join(map(str, ip[16:20])), dport,
                   ip[ihl + 8:], struct.unpack("!H", ip[ihl + 4:ihl + 6])[0] - 8)


def read_udp(pcap):
    """Yields (time s, src port, dst port, udp payload, udp payload length) of the IPv4 UDP packets of a pcap."""
    for t, _, sport, _, dport, payload, length in read_udp_addressed(pcap):
        yield t, sport, dport, payload, length


def rtp_header(payload):
    """(ssrc, seq) of an RTP packet (RFC 7983 first byte 128-191, RFC 5761: not RTCP), else None."""
    if len(payload) < 12 or not 128 <= payload[0] <= 191 or 192 <= payload[1] <= 223:
        return None
    seq = (payload[2] << 8) | payload[3]
    ssrc = struct.unpack("!I", payload[8:12])[0]
    return ssrc, seq


def latencies(pcap, is_server_port, rewrites_ssrc):
    """Added forwarding latency (ms) of every matched forwarded packet, and what the capture saw."""
    ins = collections.defaultdict(dict)      # publisher ssrc -> seq -> time (first copy)
    in_list = collections.defaultdict(list)  # publisher ssrc -> [(time, seq)]
    outs = collections.defaultdict(list)     # (subscriber port, ssrc) -> [(time, seq)]
    seen_out = set()
    stats = {"inPackets": 0, "outPackets": 0, "outBytes": 0, "first": None, "last": None}
    for t, sport, dport, payload, udp_len in read_udp(pcap):
        hdr = rtp_header(payload)
        if hdr is None:
            continue
        ssrc, seq = hdr
        stats["first"] = t if stats["first"] is None else stats["first"]
        stats["last"] = t
        if is_server_port(dport) and not is_server_port(sport):
            stats["inPackets"] += 1
            if seq not in ins[ssrc]:
                ins[ssrc][seq] = t
                in_list[ssrc].append((t, seq))
        elif is_server_port(sport) and not is_server_port(dport):
            stats["outPackets"] += 1
            stats["outBytes"] += udp_len
            key = (dport, ssrc, seq)
            if key in seen_out:
                continue  # a retransmission (NACK): only the first copy counts
            seen_out.add(key)
            outs[(dport, ssrc)].append((t, seq))
    samples = []
    unmatched = 0
    per_stream_p99 = []
    for (port, ssrc), packets in outs.items():
        first = len(samples)
        if rewrites_ssrc:
            source, shift = _find_source(packets, in_list)
        else:
            source, shift = ssrc, 0
        table = ins.get(source, {})
        for t, seq in packets:
            t_in = table.get((seq - shift) & 0xFFFF)
            if t_in is None or t < t_in:
                unmatched += 1
            else:
                samples.append((t - t_in) * 1000)
        per_stream_p99.append(round(percentile(samples[first:], 99) or 0, 1))
    stats.update({"p99MsPerStream": sorted(per_stream_p99),"outStreams": len(outs), "inStreams": len(ins), "matched": len(samples), "unmatched": unmatched,
                  "seconds": (stats["last"] - stats["first"]) if stats["first"] is not None else 0})
    return samples, stats


def _find_source(packets, in_list):
    """The (publisher ssrc, sequence shift) that most of a rewritten stream's first packets agree on."""
    votes = collections.Counter()
    for t, seq in packets[:VOTE_PACKETS]:
        for ssrc, sent in in_list.items():
            for t_in, seq_in in sent:
                if t - MATCH_WINDOW_S <= t_in <= t:
                    votes[(ssrc, (seq - seq_in) & 0xFFFF)] += 1
    if not votes:
        return None, 0
    return votes.most_common(1)[0][0]


def percentile(values, p):
    if not values:
        return None
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(p / 100 * len(s) + 0.5)) - 1))]
