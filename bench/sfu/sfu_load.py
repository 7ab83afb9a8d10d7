#!/usr/bin/python3
"""SFU load tool: K rooms of one publisher and M subscribers on icemesh's media-service or on Janus's videoroom,
with real ICE (loopback only), DTLS and SRTP sessions (aiortc 1.4), measured over one window.

    /usr/bin/python3 bench/sfu/sfu_load.py --server icemesh --url http://127.0.0.1:8080 --server-pid PID \\
        --server-ports 10000 --rooms 2 --subscribers 5
    /usr/bin/python3 bench/sfu/sfu_load.py --server janus --url ws://127.0.0.1:18188 --server-pid PID \\
        --server-ports 41000-41999 --rooms 2 --subscribers 5

Publishers send a pre-encoded 1 Mbit/s VP8 clip (vp8clip.py; no encoding), subscribers count without decoding
(receive_counters.py). Rooms are spread over --procs worker processes. After all subscribers receive media and a
warm-up, the tool reads the server process's CPU time (/proc/PID/stat) and the subscribers' received RTP before and
after --duration seconds, then captures --capture seconds on lo with tcpdump for the forwarding latency
(capture.py). Prints one JSON object.
"""
import argparse
import asyncio
import collections
import json
import multiprocessing
import os
import resource
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import capture  # noqa: E402
import receive_counters  # noqa: E402
import server_counters  # noqa: E402
import vp8clip  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")
READY_TIMEOUT_S = 180


RCVBUF_BYTES = 4 << 20
"""Receive buffer asked for each of the tool's ICE sockets (the kernel caps it at net.core.rmem_max)."""


def use_loopback_only():
    """aioice skips loopback host addresses; gather on 127.0.0.1 only (the benchmark never leaves lo). Larger
    receive buffers let a starved tool lose fewer packets in bursts."""
    import socket
    import aioice.ice
    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]
    made = aioice.ice.StunProtocol.connection_made

    def connection_made(self, transport):
        transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF_BYTES)
        made(self, transport)

    aioice.ice.StunProtocol.connection_made = connection_made
    # aioice closes a connection after 6 consent checks (RFC 7675) in a row get no answer within 0.5 s; a tool
    # starved of CPU misses those answers and would tear down healthy sessions mid-run (media-service then ends
    # them as idle, Janus keeps sending to them). The benchmark keeps its sessions.
    aioice.ice.CONSENT_FAILURES = 1 << 30


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime (fields 14 and 15)


def udp_rcvbuf_errors():
    with open("/proc/net/snmp") as f:
        lines = [line.split() for line in f if line.startswith("Udp:")]
    return int(lines[1][lines[0].index("RcvbufErrors")])


# ---- worker process: some rooms, driven by the parent over a pipe ---------------------------------------------

async def run_rooms(args, rooms, conn):
    from participants import IcemeshParticipant, JanusParticipant
    clip = vp8clip.load(args.clip)
    loop = asyncio.get_running_loop()
    everyone = []
    join_ms = []

    async def one_room(room):
        name = "bench-%s-%d" % (args.run_id, room)
        if args.server == "icemesh":
            pub = IcemeshParticipant("publisher", "pub", args.url, name, clip)
            subs = [IcemeshParticipant("subscriber", "sub%d" % i, args.url, name, clip)
                    for i in range(args.subscribers)]
        else:
            room_id = int(args.run_id, 16) % 1_000_000 * 1000 + room
            pub = JanusParticipant("publisher", "pub", args.url, room_id, clip)
            subs = [JanusParticipant("subscriber", "sub%d" % i, args.url, room_id, clip)
                    for i in range(args.subscribers)]
        everyone.append(pub)
        everyone.extend(subs)
        await pub.join()
        if args.server != "icemesh":
            # Janus lists a feed to subscribers only once the publisher's PeerConnection is up ("No such feed"
            # before); media-service takes subscribers at any time and forwards when media arrives.
            for _ in range(300):
                if pub.pc.connectionState == "connected":
                    break
                await asyncio.sleep(0.05)
        for s in subs:
            t0 = time.monotonic()
            if args.server == "icemesh":
                await s.join()
            else:
                await s.join(pub.feed_id)
            join_ms.append((time.monotonic() - t0) * 1000)
        return subs

    try:
        all_subs = [s for subs in await asyncio.gather(*(one_room(r) for r in rooms)) for s in subs]
        deadline = time.monotonic() + READY_TIMEOUT_S
        while any(s.received_packets() == 0 for s in all_subs):
            if time.monotonic() > deadline:
                raise RuntimeError("%d of %d subscribers received no RTP" % (
                    sum(s.received_packets() == 0 for s in all_subs), len(all_subs)))
            await asyncio.sleep(0.2)
        conn.send(("ready", {"subscribers": len(all_subs), "signalingMs": sorted(join_ms)}))
        while True:
            cmd = await loop.run_in_executor(None, conn.recv)
            if cmd == "snap":
                usage = resource.getrusage(resource.RUSAGE_SELF)
                conn.send(("snap", dict(receive_counters.snapshot(), cpu=usage.ru_utime + usage.ru_stime,
                                        time=time.time(),
                                        perSubscriber=[s.received_packets() for s in all_subs],
                                        perPublisher=[p.sent_frames() for p in everyone if p.role == "publisher"],
                                        states=[p.pc.connectionState for p in everyone])))
            elif cmd == "stop":
                break
    except Exception as e:  # reported to the parent, which fails the run
        conn.send(("error", "%s: %r" % (type(e).__name__, e)))
    finally:
        await asyncio.gather(*(p.close() for p in everyone), return_exceptions=True)


def worker(args, rooms, conn):
    use_loopback_only()
    receive_counters.install()
    asyncio.run(run_rooms(args, rooms, conn))
    conn.close()


# ---- parent: set up, measure, capture --------------------------------------------------------------------------

def ask(conns, what):
    for c in conns:
        c.send(what)
    out = []
    for c in conns:
        if not c.poll(60):
            raise RuntimeError("a worker did not answer " + what)
        kind, value = c.recv()
        if kind == "error":
            raise RuntimeError(value)
        out.append(value)
    return out


def total(snaps, key):
    return sum(s[key] for s in snaps)


def sent_counters(args):
    if args.server == "icemesh":
        return server_counters.icemesh(args.metrics_url)
    return server_counters.janus(args.janus_admin_url, args.janus_admin_secret)


def server_port_test(spec):
    if "-" in spec:
        lo, hi = (int(x) for x in spec.split("-"))
        return lambda p: lo <= p <= hi, "udp portrange %d-%d" % (lo, hi)
    port = int(spec)
    return lambda p: p == port, "udp port %d" % port


def measure(args):
    result = {"server": args.server, "rooms": args.rooms, "publishersPerRoom": 1,
              "subscribersPerRoom": args.subscribers, "subscribers": args.rooms * args.subscribers,
              "clipKbps": round(vp8clip.bitrate(vp8clip.load(args.clip)) / 1000)}
    # Idle cost of the server before any session, so that it can be told apart from forwarding.
    c0 = cpu_seconds(args.server_pid)
    time.sleep(args.idle)
    result["serverIdleCpuPercent"] = round((cpu_seconds(args.server_pid) - c0) / args.idle * 100, 2)

    ctx = multiprocessing.get_context("fork")
    procs, conns = [], []
    setup_start = time.monotonic()
    for w in range(min(args.procs, args.rooms)):
        parent, child = ctx.Pipe()
        p = ctx.Process(target=worker, args=(args, list(range(w, args.rooms, args.procs)), child), daemon=True)
        p.start()
        procs.append(p)
        conns.append(parent)
    try:
        ready = []
        for c in conns:
            if not c.poll(READY_TIMEOUT_S + 30):
                raise RuntimeError("a worker was not ready within %d s" % READY_TIMEOUT_S)
            kind, value = c.recv()
            if kind == "error":
                raise RuntimeError(value)
            ready.append(value)
        result["setupSeconds"] = round(time.monotonic() - setup_start, 1)
        joins = sorted(ms for r in ready for ms in r["signalingMs"])
        result["subscriberJoinToAnswerMsP50"] = round(capture.percentile(joins, 50))
        time.sleep(args.warmup)

        s0 = time.monotonic()
        sent0 = sent_counters(args)
        s0 = (s0 + time.monotonic()) / 2
        before = ask(conns, "snap")
        cpu0, err0, t0 = cpu_seconds(args.server_pid), udp_rcvbuf_errors(), time.monotonic()
        load0 = os.getloadavg()[0]
        time.sleep(args.duration)
        cpu1, err1, t1 = cpu_seconds(args.server_pid), udp_rcvbuf_errors(), time.monotonic()
        after = ask(conns, "snap")
        s1 = time.monotonic()
        sent1 = sent_counters(args)
        s1 = (s1 + time.monotonic()) / 2
        window = t1 - t0
        server_cpu = cpu1 - cpu0
        # The counters are read just outside the CPU window (reading them costs the server CPU too), so the rates
        # are taken over the counters' own interval and applied to the CPU window.
        bits = (sent1["bytes"] - sent0["bytes"]) * 8 * window / (s1 - s0)
        packets = (sent1["packets"] - sent0["packets"]) * window / (s1 - s0)
        received_bits = (total(after, "bytes") - total(before, "bytes")) * 8
        result.update({
            "windowSeconds": round(window, 2),
            "loadAverage1m": [round(load0, 1), round(os.getloadavg()[0], 1)],
            "forwardedMbps": round(bits / window / 1e6, 2),
            "forwardedPps": round(packets / window),
            "receivedMbps": round(received_bits / window / 1e6, 2),
            "receivedPps": round((total(after, "packets") - total(before, "packets")) / window),
            "framesPerSecondPerSubscriber": round((total(after, "frames") - total(before, "frames"))
                                                  / window / result["subscribers"], 1),
            "serverCpuSeconds": round(server_cpu, 2),
            "serverCpuPercent": round(server_cpu / window * 100, 1),
            "mbpsPerCore": round(bits / server_cpu / 1e6, 1) if server_cpu > 0 else None,
            "toolCpuPercent": round((total(after, "cpu") - total(before, "cpu")) / window * 100, 1),
            "udpRcvbufErrors": err1 - err0,
            # Participants that stopped during the window: a subscriber that received nothing, a publisher whose
            # track produced no frame, and the connection states at its end.
            "silentSubscribers": sum(a == b for w0, w1 in zip(before, after)
                                     for a, b in zip(w0["perSubscriber"], w1["perSubscriber"])),
            "silentPublishers": sum(a == b for w0, w1 in zip(before, after)
                                    for a, b in zip(w0["perPublisher"], w1["perPublisher"])),
            "connectionStates": dict(collections.Counter(st for w in after for st in w["states"])),
        })

        if args.capture > 0:
            is_server, bpf = server_port_test(args.server_ports)
            pcap = os.path.join(tempfile.mkdtemp(prefix="sfu-bench-"), args.server + ".pcap")
            proc = capture.start(pcap, bpf)
            time.sleep(args.capture)
            summary = capture.stop(proc)
            samples, stats = capture.latencies(pcap, is_server, rewrites_ssrc=args.server == "janus")
            result["latency"] = {
                "p50Ms": round(capture.percentile(samples, 50), 3) if samples else None,
                "p99Ms": round(capture.percentile(samples, 99), 3) if samples else None,
                "maxMs": round(max(samples), 3) if samples else None,
                "samples": len(samples), "unmatched": stats["unmatched"], "tcpdump": summary,
                "outMbpsOnWire": round(stats["outBytes"] * 8 / stats["seconds"] / 1e6, 2) if stats["seconds"] else None,
                "outPpsOnWire": round(stats["outPackets"] / stats["seconds"]) if stats["seconds"] else None,
                "inStreams": stats["inStreams"], "outStreams": stats["outStreams"],
                "p99MsPerStream": stats["p99MsPerStream"]}
            if not args.keep_pcap:
                os.remove(pcap)
                os.rmdir(os.path.dirname(pcap))
            else:
                result["latency"]["pcap"] = pcap
        ask(conns, "snap")  # every worker still alive after the capture
    finally:
        for c in conns:
            try:
                c.send("stop")
            except (BrokenPipeError, OSError):
                pass
        for p in procs:
            p.join(30)
            if p.is_alive():
                p.terminate()
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", choices=["icemesh", "janus"], required=True)
    parser.add_argument("--url", required=True, help="icemesh: signaling base URL; janus: its WebSocket URL")
    parser.add_argument("--server-pid", type=int, required=True, help="media-service JVM or janus process")
    parser.add_argument("--server-ports", required=True, help="the SFU's UDP port or port range (capture filter)")
    parser.add_argument("--metrics-url", help="icemesh: media-service's /q/metrics URL")
    parser.add_argument("--janus-admin-url", help="janus: its Admin API WebSocket URL")
    parser.add_argument("--janus-admin-secret", default=os.environ.get("JANUS_ADMIN_SECRET"))
    parser.add_argument("--rooms", type=int, default=2)
    parser.add_argument("--subscribers", type=int, default=5, help="per room (each room has one publisher)")
    parser.add_argument("--procs", type=int, default=2, help="worker processes the rooms are spread over")
    parser.add_argument("--idle", type=float, default=5, help="seconds of server idle CPU measured first")
    parser.add_argument("--warmup", type=float, default=10)
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--capture", type=float, default=5, help="seconds of tcpdump for latency; 0: none")
    parser.add_argument("--clip", default=os.path.join(tempfile.gettempdir(), "icemesh-bench-clip.vp8"))
    parser.add_argument("--keep-pcap", action="store_true")
    args = parser.parse_args()
    args.run_id = "%06x" % (int(time.time() * 1000) & 0xFFFFFF)
    if not os.path.exists(args.clip):
        print("encoding the VP8 clip once into %s" % args.clip, file=sys.stderr)
        vp8clip.generate(args.clip, seconds=4)
    print(json.dumps(measure(args)), flush=True)


if __name__ == "__main__":
    main()
