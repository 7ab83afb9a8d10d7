#!/usr/bin/python3
"""Join an icemesh room from Python with aiortc (Debian's python3-aiortc 1.4), sending a video track.

In a p2p room it connects to every peer; in an sfu room (--mode sfu) it has one connection, to the pseudo peer
"sfu": it offers once, then answers media-service's offers as publishers come and go (docs/signaling-protocol.md).

The ICE servers come with signaling's `joined` (as from GET /api/ice-servers): only healthy servers, best first, with
fresh TURN credentials. That matters for aiortc 1.4 in particular: it gathers inside setLocalDescription (no trickle), waits
up to 5 s for each STUN server that does not answer, and uses only the FIRST stun: and the FIRST turn: URL.

    /usr/bin/python3 icemesh_client.py --base http://127.0.0.1:8080 --room lobby --duration 30

While in the room it prints, once a second, a JSON line {"received": [...]} with the frames decoded (video) or
audio frames received so far per remote track: peerId, mid, kind, streamId (the publisher's a=msid stream, null
once media-service made the section inactive) and frames. When it leaves it prints one JSON line with the timings:
gathering ms, connected ms, first remote frame ms, selected pair, and the last "received" list.
"""
import argparse
import asyncio
import collections
import json
import signal
import sys
import time
import urllib.request

import aioice
import aioice.ice
import aiortc
import aiortc.rtcrtpreceiver
from aiortc import (RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCSessionDescription,
                    VideoStreamTrack)
from aiortc.jitterbuffer import JitterBuffer, JitterFrame
from aiortc.mediastreams import MediaStreamError
from aiortc.sdp import candidate_from_sdp

try:
    import websockets
    # websockets loads its client on first use and cryptography its OpenSSL backend on the first certificate: about
    # 20 and 11 ms that a call would otherwise pay at its start and at its first connection. Loaded here, with aiortc.
    import websockets.exceptions
    import websockets.legacy.client
except ImportError:  # pragma: no cover
    sys.exit("needs Debian's python3-websockets (apt-get install python3-websockets)")
import cryptography.hazmat.backends.openssl  # noqa: E402,F401  (see above)


SFU = "sfu"
"""The pseudo peer id of media-service in an SFU room."""
RECEIVED_INTERVAL_S = 1.0
"""How often the frames received per remote track are printed."""
SEEN_RELAYS_KEPT = 2048
"""Relay ids remembered, well above the replay buffer signaling keeps per session (64 by default)."""
REPORT_DELAY_S = 0.2
"""Timeline entries go to signaling this long after the latest one, together (as the web client sends them)."""
REPORT_BATCH = 50
"""Timeline entries per report message at most."""
SFU_STALL_S = 0.5
"""As the web client: frames that stop for this long on the SFU connection after they flowed are reported."""
STANDBY_AGAIN_S = 1.0
"""After a peer took the standby connection, the next one is made this much later (not in the middle of the call's
set-up, whose CPU it would take)."""


def http_json(url, body=None, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    data = json.dumps(body).encode() if body is not None else None
    with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers), timeout=10) as r:
        return json.loads(r.read())


def rtc_configuration(ice):
    servers = [RTCIceServer(urls=s["urls"], username=s.get("username"), credential=s.get("credential"))
               for s in ice["iceServers"]]
    return RTCConfiguration(iceServers=servers)


def use_loopback_only():
    """aioice skips loopback host addresses; on a single test machine, gather on 127.0.0.1 only."""
    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]


def force_relay(pc):
    """aiortc 1.4 has no iceTransportPolicy; set aioice's connection policy to relay-only."""
    for transceiver in pc.getTransceivers():
        gatherer = transceiver.sender.transport.transport.iceGatherer
        gatherer._connection._transport_policy = aioice.ice.TransportPolicy.RELAY


class MarkerJitterBuffer(JitterBuffer):
    """aiortc 1.4's jitter buffer hands a video frame to the decoder only when the first packet of the next frame
    arrives: every frame one frame interval late (33 ms at 30 fps), the first one included. A video frame's last
    packet carries the RTP marker bit (RFC 3550 section 5.1; RFC 7741 for VP8), so this buffer also hands the oldest
    frame over as soon as its packets are all there: from the buffer's start, one timestamp, no gap, up to a marker.
    Everything else (reordering, loss, PLI) is aiortc's."""

    def add(self, packet):
        pli_flag, frame = super().add(packet)
        if frame is not None and not frame.data:
            # Padding alone (its frame went out at the marker): nothing to decode, and an empty packet tells
            # FFmpeg's H.264 decoder to drain, which ends its stream.
            frame = None
        if frame is None and self._is_video and self._origin is not None:
            frame = self._complete_frame()
        return pli_flag, frame

    def _complete_frame(self):
        packets = []
        for count in range(self.capacity):
            packet = self._packets[(self._origin + count) % self.capacity]
            if packet is None or (packets and packet.timestamp != packets[0].timestamp):
                return None  # a packet still missing, or no marker in the frame: aiortc's rule decides
            packets.append(packet)
            if packet.marker:
                self.remove(count + 1)
                return JitterFrame(data=b"".join(p._data for p in packets), timestamp=packet.timestamp)
        return None


async def aioice_connect(self):
    """aioice 0.8.0's Connection.connect with one change: between two checks it waits for the pacing interval (20 ms)
    OR the check list's result, where aioice waits the whole interval. aioice nominates on the first check that
    succeeds, so that wait used to come after every successful connection: up to 20 ms per peer, twice per call."""
    if not self._local_candidates_end:
        raise ConnectionError("Local candidates gathering was not performed")
    if self.remote_username is None or self.remote_password is None:
        raise ConnectionError("Remote username or password is missing")
    for remote_candidate in self._remote_candidates:
        for protocol in self._protocols:
            if protocol.local_candidate.can_pair_with(remote_candidate) and not self._find_pair(
                    protocol, remote_candidate):
                self._check_list.append(aioice.ice.CandidatePair(protocol, remote_candidate))
    self.sort_check_list()
    self._unfreeze_initial()
    for early_check in self._early_checks:
        self.check_incoming(*early_check)
    self._early_checks = []
    self._early_checks_done = True
    result = asyncio.ensure_future(self._check_list_state.get())
    try:
        while not result.done() and self.check_periodic():
            await asyncio.wait([result], timeout=0.02)
        res = (await result) if self._check_list else aioice.ice.ICE_FAILED
    finally:
        if not result.done():
            result.cancel()
    for check in self._check_list:
        if check.handle:
            check.handle.cancel()
    if res != aioice.ice.ICE_COMPLETED:
        raise ConnectionError("ICE negotiation failed")
    self._query_consent_handle = asyncio.ensure_future(self.query_consent())


def patch_aiortc():
    """The two latency fixes above, applied to the versions they were written against (Debian's aiortc 1.4.0 and
    aioice 0.8.0); other versions are left as they are."""
    if aiortc.__version__ == "1.4.0":
        aiortc.rtcrtpreceiver.JitterBuffer = MarkerJitterBuffer
    if aioice.__version__ == "0.8.0":
        aioice.ice.Connection.connect = aioice_connect


def remote_streams(sdp):
    """mid -> the a=msid stream id of each sending m-section (None when it has none, e.g. inactive)."""
    streams = {}
    for section in sdp.split("\nm=")[1:]:
        mid = msid = None
        for line in section.splitlines():
            if line.startswith("a=mid:"):
                mid = line[6:].strip()
            elif line.startswith("a=msid:"):
                msid = line[7:].split()[0]
        if mid is not None:
            streams[mid] = msid
    return streams


class Peer:
    """One RTCPeerConnection to one remote peer (another client, or media-service as "sfu"), with its timeline."""

    def __init__(self, client, peer_id):
        self.client = client
        self.peer_id = peer_id
        self.t0 = time.monotonic()
        self.timeline = {"peerId": peer_id, "gatheringMs": None, "connectedMs": None, "firstFrameMs": None,
                         "localType": None, "remoteType": None, "protocol": None}
        self.received = {}  # remote track -> frames decoded (video) or received (audio)
        self.last_media = None  # monotonic time of the latest frame on any track
        self.gathering_ahead = None  # see gather_ahead
        self.made = time.monotonic()
        self.stall_reported = False
        self.pc = RTCPeerConnection(client.configuration)
        self.pc.addTrack(VideoStreamTrack())
        if client.relay:
            force_relay(self.pc)
        self.pc.on("iceconnectionstatechange", self.on_state)
        self.pc.on("connectionstatechange", self.on_connection_state)
        self.pc.on("track", self.on_track)

    def ms(self):
        return int((time.monotonic() - self.t0) * 1000)

    def adopt(self, peer_id):
        """A standby connection (made for no peer yet) becomes the connection to peer_id; its timeline counts from
        now, as for a connection made now."""
        self.peer_id = peer_id
        self.timeline["peerId"] = peer_id
        self.t0 = time.monotonic()

    async def on_connection_state(self):
        if self.pc.connectionState == "connected":
            self.client.mark("dtls-connected")

    async def on_state(self):
        state = self.pc.iceConnectionState
        if state == "checking":
            self.client.mark("ice-checking")
        elif state == "completed":
            self.client.mark("ice-completed")
        await self.client.report({"event": "ice-state", "t": self.ms(), "state": state})
        if state == "completed" and self.timeline["connectedMs"] is None:
            self.timeline["connectedMs"] = self.ms()
            self.selected_pair()
            entry = {"event": "selected-pair", "t": self.ms(), "local": self.timeline["localType"],
                     "remote": self.timeline["remoteType"]}
            if self.timeline.get("protocol") in ("udp", "tcp"):
                entry["protocol"] = self.timeline["protocol"]
            await self.client.report(entry)

    def selected_pair(self):
        for t in self.pc.getTransceivers():
            conn = t.receiver.transport.transport._connection
            pair = getattr(conn, "_nominated", {}).get(1)
            if pair:
                self.timeline["localType"] = pair.local_candidate.type
                self.timeline["remoteType"] = pair.remote_candidate.type
                self.timeline["protocol"] = pair.local_candidate.transport.lower()
                return

    def on_track(self, track):
        self.received[track] = 0

        async def count_frames():
            while True:
                try:
                    await track.recv()
                except MediaStreamError:
                    return  # the connection closed
                self.received[track] += 1
                self.last_media = time.monotonic()
                self.stall_reported = False
                if track.kind == "video" and self.timeline["firstFrameMs"] is None:
                    self.timeline["firstFrameMs"] = self.ms()
                    self.client.mark("first-frame")
                    await self.client.report({"event": "first-media", "t": self.ms()})
                    self.client.first_frame.set()

        self.client.tasks.append(asyncio.ensure_future(count_frames()))
        if self.peer_id == SFU and len(self.received) == 1:
            self.client.tasks.append(asyncio.ensure_future(self.watch_stall()))

    async def watch_stall(self):
        """SFU connection: media that stops for SFU_STALL_S after it flowed is reported once ("sfu-stalled"), so
        that signaling finds a crashed media node in about a second (docs/signaling-protocol.md)."""
        while self.pc.connectionState != "closed":
            await asyncio.sleep(0.25)
            if self.pc.connectionState == "closed" or self.client.peers.get(SFU) is not self:
                return  # replaced after a move, or closed
            if (self.last_media is not None and not self.stall_reported
                    and time.monotonic() - self.last_media >= SFU_STALL_S):
                self.stall_reported = True
                try:
                    await self.client.send({"type": "sfu-stalled", "to": SFU})
                except websockets.exceptions.ConnectionClosed:
                    pass  # resuming; the leader's pings find a dead node anyway

    def received_list(self):
        """Frames per remote track, with the stream each track now carries according to the remote description.

        A track stays with its transceiver: when media-service reuses an inactive section for a new publisher, the
        same track then carries that publisher's stream."""
        streams = remote_streams(self.pc.remoteDescription.sdp) if self.pc.remoteDescription else {}
        out = []
        for t in self.pc.getTransceivers():
            track = t.receiver.track
            if track in self.received:
                out.append({"peerId": self.peer_id, "mid": t.mid, "kind": track.kind,
                            "streamId": streams.get(t.mid), "frames": self.received[track]})
        return out

    async def gather(self, make_description):
        started = time.monotonic()
        await self.client.report({"event": "gathering-started", "t": self.ms()})
        await self.pc.setLocalDescription(await make_description())
        self.timeline["gatheringMs"] = int((time.monotonic() - started) * 1000)
        self.client.mark("gathered")
        await self.client.report({"event": "gathering-complete", "t": self.ms()})

    def gather_ahead(self):
        """Starts gathering now, on a connection made before it is needed (Client.make_standby). aiortc gathers inside
        setLocalDescription and sends no candidate later, so an offer or answer made at once waits for the STUN and
        TURN round trips (6-22 ms on loopback). If the offer bundles this transport away (a browser offers audio
        first), aiortc stops it, which releases its TURN allocation."""
        gatherers = {t.sender.transport.transport.iceGatherer for t in self.pc.getTransceivers()}
        self.gathering_ahead = asyncio.ensure_future(asyncio.gather(*(g.gather() for g in gatherers)))
        # Retrieved here too: a peer that leaves before its offer closes the connection while it gathers.
        self.gathering_ahead.add_done_callback(lambda f: f.cancelled() or f.exception())

    async def gathered_ahead(self):
        """Waits for gather_ahead's gathering (usually over by then). A gatherer still gathering returns at once from
        the gather inside setLocalDescription, which would then describe only the candidates found so far; and an
        offer that bundles this transport away stops it. A gathering that failed (a TURN server refused the
        allocation) raises here, so that no offer or answer goes out without candidates, as when aiortc gathered
        inside setLocalDescription."""
        if self.gathering_ahead is not None:
            await self.gathering_ahead

    async def close(self):
        """Closes the connection once a gathering ahead is over: aioice would still add a TURN allocation it was making,
        after the close, and keep refreshing it."""
        try:
            await self.gathered_ahead()
        except Exception:  # noqa: BLE001  reported by whoever waited for it; closing anyway
            pass
        await self.pc.close()

    async def offer(self):
        await self.gathered_ahead()
        await self.gather(self.pc.createOffer)
        await self.client.send({"type": "offer", "to": self.peer_id, "sdp": self.pc.localDescription.sdp})
        self.client.mark("offer-sent")
        published = [s for s in remote_streams(self.pc.localDescription.sdp).values() if s]
        print(json.dumps({"offered": self.peer_id, "streamIds": sorted(set(published))}), flush=True)

    async def on_description(self, kind, sdp):
        self.client.mark(kind + "-received")
        if kind == "offer" and self.pc.remoteDescription is None:
            # Made at peer-joined: the timeline counts from the offer, as for a connection made when it arrives.
            self.t0 = time.monotonic()
            await self.gathered_ahead()
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type=kind))
        if kind == "offer":
            await self.gather(self.pc.createAnswer)
            await self.client.send({"type": "answer", "to": self.peer_id, "sdp": self.pc.localDescription.sdp})
            self.client.mark("answer-sent")

    async def on_candidate(self, candidate):
        text = (candidate or {}).get("candidate", "")
        if not text:
            return
        c = candidate_from_sdp(text.split(":", 1)[1] if text.startswith("candidate:") else text)
        if c.protocol.lower() != "udp":
            return  # aioice (aiortc 1.4) checks UDP pairs only
        c.sdpMid = candidate.get("sdpMid")
        c.sdpMLineIndex = candidate.get("sdpMLineIndex")
        await self.pc.addIceCandidate(c)


class Client:
    def __init__(self, args):
        self.args = args
        self.relay = args.relay
        self.peers = {}
        self.tasks = []
        self.first_frame = asyncio.Event()
        self.ws = None
        # Never None: aiortc 1.4 gathers with a public STUN server of its own when given no list at all.
        self.ice_servers = []
        self.configuration = rtc_configuration({"iceServers": []})
        self.stop = asyncio.Event()
        self.resume_token = None
        self.last_seq = 0
        # Relay ids already handled: with earlyRelay a peer's offer, answer or candidate may come twice (first
        # straight from signaling, then the room log's numbered copy), and a resume may replay it once more.
        self.seen_relays = collections.OrderedDict()
        # The next connection, made and gathering before a peer needs it (make_standby), and its timer.
        self.standby = None
        self.standby_timer = None
        self.ice_servers_ttl = 600
        self.leaving = False
        self.closing = []  # close_later's
        self.switch = False
        self.mode = None
        self.pending_reports = []
        self.report_timer = None
        self.ice_refresh = None
        # The client's start, which every mark counts from (main makes the client right before it runs).
        self.t0 = time.monotonic()
        self.origin = time.time() * 1000
        self.marks = {}

    def mark(self, stage):
        """The first time this client reached a stage, in ms since it started (before its token), as the web client's
        marks count from the Join click: token, socket-open, joined, gathered, offer-sent,
        offer-received, answer-sent, answer-received, ice-checking, ice-completed, dtls-connected, first-frame."""
        if stage not in self.marks:
            self.marks[stage] = round((time.monotonic() - self.t0) * 1000, 1)

    def seen_relay(self, rid):
        """Whether a relayed message with this rid was handled already (docs/signaling-protocol.md, "Early relay")."""
        if not rid:
            return False
        if rid in self.seen_relays:
            return True
        self.seen_relays[rid] = True
        if len(self.seen_relays) > SEEN_RELAYS_KEPT:
            self.seen_relays.popitem(last=False)
        return False

    async def send(self, msg):
        await self.ws.send(json.dumps(msg))

    async def report(self, entry):
        """Queues one timeline entry. As the web client does, entries go in one message REPORT_DELAY_S after the
        latest (up to REPORT_BATCH per message), and before a leave: a call's set-up makes a handful of them, each a
        room log record and session events on the signaling side, in the middle of its offer and answer."""
        self.pending_reports.append(entry)
        if self.report_timer is not None:
            self.report_timer.cancel()
        self.report_timer = asyncio.get_running_loop().call_later(
            REPORT_DELAY_S, lambda: self.tasks.append(asyncio.ensure_future(self.flush_reports())))

    async def flush_reports(self):
        """Sends the queued entries; while the socket is down they wait for the next one (a resume). Each batch leaves
        the queue before it is sent, so that two flushes at once never send one twice."""
        while self.pending_reports and self.ws is not None and self.ws.open:
            batch = self.pending_reports[:REPORT_BATCH]
            del self.pending_reports[:len(batch)]
            try:
                await self.send({"type": "report", "entries": batch})
            except websockets.exceptions.ConnectionClosed:
                self.pending_reports[:0] = batch
                return

    def peer(self, peer_id):
        """The connection to peer_id; a peer that has none yet takes the standby, or a new one."""
        if peer_id not in self.peers:
            p = self.standby
            if p is None:
                p = Peer(self, peer_id)
            else:
                self.standby = None
                p.adopt(peer_id)
                if self.mode == "p2p":
                    self.make_standby_in(STANDBY_AGAIN_S)
            self.peers[peer_id] = p
        return self.peers[peer_id]

    def make_standby(self):
        """Makes the next connection ahead, gathering with the newest ICE list: the newcomer's offer to the first peer
        in `joined`, or the answer to the next newcomer (peer-joined), then waits for neither its RTCPeerConnection
        (2-10 ms) nor its candidates (6-22 ms on loopback). Made when a list comes (the first one right after the
        join, asked for before `joined`), again a second after a peer took it, and anew when a list comes for one
        that waited half the list's lifetime (its TURN credentials would be stale for a new allocation). In an SFU
        room only until the connection to media-service exists: it offers on that one from then on."""
        if self.standby_timer is not None:
            self.standby_timer.cancel()
            self.standby_timer = None
        if not self.standby_wanted():
            return
        old, self.standby = self.standby, Peer(self, None)
        self.standby.gather_ahead()
        if old is not None:
            self.close_later(old)

    def close_later(self, p):
        """Closes a connection without holding up the messages behind: its close waits for its gathering, which a
        STUN server that does not answer makes last seconds."""
        self.closing.append(asyncio.ensure_future(p.close()))

    def make_standby_in(self, delay):
        if self.standby_timer is not None:
            self.standby_timer.cancel()
        self.standby_timer = asyncio.get_running_loop().call_later(delay, self.make_standby)

    def standby_wanted(self):
        return not (self.leaving or self.stop.is_set() or (self.mode == "sfu" and SFU in self.peers))

    def standby_stale(self):
        return self.standby is None or time.monotonic() - self.standby.made >= self.ice_servers_ttl / 2

    async def run(self):
        # --base may list several signaling instances (no load balancer): after a drop, resume on the next one.
        bases = [b.strip().rstrip("/") for b in self.args.base.split(",") if b.strip()]
        base = bases[0]
        # The dev token is fetched while the socket opens; the ICE list is asked for right after the join.
        token_request = asyncio.ensure_future(self.fetch_token(base))
        override = json.loads(self.args.ice_servers) if self.args.ice_servers is not None else None
        if self.args.gather_only:
            ice = http_json(base + "/api/ice-servers", token=await token_request)
            self.use_ice_servers(override if override is not None else ice["iceServers"])
            return await self.gather_only()
        if override is not None:
            self.use_ice_servers(override)
            self.make_standby()
        # SIGTERM (or Ctrl-C) leaves the room cleanly and still prints the result.
        for sig in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(sig, self.stop.set)
        deadline = time.monotonic() + self.args.duration
        self.tasks.append(asyncio.ensure_future(self.print_received()))
        try:
            received = await self.call(bases, deadline, token_request, override)
        finally:
            await self.close_all()
        return {"iceServers": self.ice_server_urls(),
                "peers": [p.timeline for p in self.peers.values()], "received": received, "marks": self.marks,
                "origin": round(self.origin, 1)}

    async def call(self, bases, deadline, token_request, override):
        """In the room until the deadline, a stop or the first frame (--exit-on-frame), resuming after drops; the
        frames received per remote track at the end."""
        first = None
        index = 0
        while time.monotonic() < deadline and not self.stop.is_set():
            try:
                async with websockets.connect(bases[index].replace("http", "ws", 1) + "/ws") as ws:
                    self.ws = ws
                    self.mark("socket-open")
                    self.switch = False
                    if first is None:
                        self.token = await token_request
                        first = {"type": "join", "token": self.token, "earlyRelay": True}
                    await self.send(first)
                    if first["type"] == "join" and override is None:
                        # The list for the standby connection, before `joined` (which waits for the room log): the
                        # socket speaks for the session from its join on.
                        await self.send({"type": "ice-servers"})
                    if await self.serve(ws, deadline):
                        self.leaving = True
                        await self.flush_reports()
                        await self.send({"type": "leave"})
                        break
            except (websockets.exceptions.ConnectionClosed, OSError) as e:
                print("signaling connection lost (%r)" % e, file=sys.stderr, flush=True)
            # The instance is gone, draining (1012 resume-elsewhere) or cannot reach room state: every instance
            # shares the room, so resume on the next one with the last seq seen; the peer connections stay up.
            if self.resume_token is None:
                if token_request.done() and token_request.exception() is not None:
                    raise SystemExit("no token: %r" % token_request.exception())
                raise SystemExit("signaling closed before the join was answered")
            index = (index + 1) % len(bases)
            first = {"type": "resume", "resumeToken": self.resume_token, "lastSeq": self.last_seq, "earlyRelay": True}
            await asyncio.sleep(0.2)
        return self.received()

    async def close_all(self):
        """Closes every connection, the standby's too, also when the join was refused (SystemExit)."""
        self.leaving = True
        for timer in (self.standby_timer, self.ice_refresh):
            if timer is not None:
                timer.cancel()
        for p in list(self.peers.values()) + ([self.standby] if self.standby else []):
            await p.close()
        await asyncio.gather(*self.closing, return_exceptions=True)
        for task in self.tasks:
            task.cancel()

    async def fetch_token(self, base):
        """--token, or a dev token from signaling (fetched on the loop's executor: urllib blocks)."""
        if self.args.token:
            return self.args.token
        body = {"room": self.args.room, "user": self.args.user, "mode": self.args.mode}
        token = (await asyncio.get_running_loop().run_in_executor(None, http_json, base + "/api/dev/token", body))
        self.mark("token")
        return token["token"]

    def use_ice_servers(self, ice_servers):
        """The list new connections gather with: from `joined`/`resumed` (fresh TURN credentials), unless
        --ice-servers gave one."""
        self.ice_servers = ice_servers
        self.configuration = rtc_configuration({"iceServers": ice_servers})

    def ice_server_urls(self):
        return [u for s in self.ice_servers for u in ([s["urls"]] if isinstance(s["urls"], str) else s["urls"])]

    async def serve(self, ws, deadline):
        """Handles messages until the deadline or a stop (True: leave the room) or until the socket must be
        replaced (False)."""
        while time.monotonic() < deadline and not self.stop.is_set():
            if self.args.exit_on_frame and self.first_frame.is_set():
                return True
            if self.switch:
                return False
            try:
                msg = json.loads(await asyncio.wait_for(ws.recv(), timeout=0.2))
            except asyncio.TimeoutError:
                continue
            if isinstance(msg.get("seq"), int):
                self.last_seq = max(self.last_seq, msg["seq"])
            if self.seen_relay(msg.get("rid")):
                continue
            try:
                await self.on_message(msg)
            except SystemExit:
                raise
            except Exception as e:  # one bad message (or candidate) must not end the call
                print("could not handle %s: %r" % (msg.get("type"), e), file=sys.stderr, flush=True)
        return True

    def received(self):
        return [r for p in self.peers.values() for r in p.received_list()]

    async def print_received(self):
        """Prints the frames per remote track once a second (tests read the latest line)."""
        while True:
            await asyncio.sleep(RECEIVED_INTERVAL_S)
            print(json.dumps({"received": self.received()}), flush=True)

    async def gather_only(self):
        """Only gather, as the first peer of a call would: shows what the ICE list costs aiortc."""
        p = Peer(self, "none")
        await p.gather(p.pc.createOffer)
        candidates = [line.split()[7] for line in p.pc.localDescription.sdp.splitlines()
                      if line.startswith("a=candidate:")]
        await p.pc.close()
        return {"iceServers": self.ice_server_urls(),
                "gatheringMs": p.timeline["gatheringMs"], "candidateTypes": candidates}

    def refresh_ice_servers_in(self, ttl):
        """Asks signaling for a fresh list (new TURN credentials) at half the lifetime of the one just received, as
        the web client does: connections made later (for a newcomer) then never gather with expired credentials.
        Connections already up keep theirs: turn-service keeps an allocation alive with the credential that made it."""
        if self.args.ice_servers is not None:
            return
        if self.ice_refresh is not None:
            self.ice_refresh.cancel()
        delay = (ttl if isinstance(ttl, (int, float)) and ttl > 0 else 600) / 2
        self.ice_refresh = asyncio.get_running_loop().call_later(
            delay, lambda: self.tasks.append(asyncio.ensure_future(self.ask_ice_servers())))

    async def ask_ice_servers(self):
        # Asked again in 30 s unless a list comes first (its reply re-arms the timer for the new list).
        self.refresh_ice_servers_in(60)
        try:
            await self.send({"type": "ice-servers"})
        except websockets.exceptions.ConnectionClosed:
            pass  # the resume brings a fresh list anyway

    async def on_message(self, msg):
        kind = msg.get("type")
        if kind in ("joined", "resumed", "ice-servers") and self.args.ice_servers is None \
                and msg.get("iceServers") is not None:
            self.use_ice_servers(msg["iceServers"])
            self.refresh_ice_servers_in(msg.get("iceServersTtl"))
            if isinstance(msg.get("iceServersTtl"), (int, float)) and msg["iceServersTtl"] > 0:
                self.ice_servers_ttl = msg["iceServersTtl"]
            if self.standby_stale() and self.standby_wanted():
                # Not in the middle of a call's set-up (a list that came after `joined`): a little later then.
                if self.standby is None and self.peers:
                    self.make_standby_in(STANDBY_AGAIN_S)
                else:
                    self.make_standby()
        if kind == "resumed":
            print(json.dumps({"resumed": msg["room"], "peerId": msg["peerId"]}), flush=True)
            if self.mode == "p2p" and isinstance(msg.get("peers"), list):
                # A connection to a peer no longer in the room goes: one that left meanwhile, or a newcomer whose
                # offer came ahead of its join while the room refused that join as this socket dropped.
                present = {p.get("peerId") for p in msg["peers"]}
                for gone in [pid for pid in self.peers if pid not in present]:
                    self.close_later(self.peers.pop(gone))
            await self.flush_reports()  # entries queued while the socket was down
        elif kind == "joined":
            self.mark("joined")
            self.mode = msg["mode"]
            self.resume_token = msg["resumeToken"]
            print(json.dumps({"joined": msg["room"], "mode": msg["mode"], "peerId": msg["peerId"]}), flush=True)
            if msg["mode"] == "sfu":
                # One connection, to media-service: offer once; it offers from then on (we only answer).
                await self.peer(SFU).offer()
            else:
                for other in msg["peers"]:
                    await self.peer(other["peerId"]).offer()
        elif kind == "peer-joined":
            if self.mode == "p2p":
                # The newcomer offers to every peer already there: its connection is made now and gathers, so that
                # the offer waits for neither (an RTCPeerConnection with its track costs aiortc 2-10 ms, gathering
                # 6-18 ms on loopback).
                p = self.peer(msg["peerId"])
                if p.gathering_ahead is None and p.pc.remoteDescription is None:
                    p.gather_ahead()
        elif kind == "offer":
            await self.peer(msg["from"]).on_description(kind, msg["sdp"])
        elif kind in ("answer", "candidate"):
            # Only for a connection this client made or answered on: one from a peer that left is dropped (a
            # connection made for it would hold the standby's TURN allocation for nobody).
            p = self.peers.get(msg["from"])
            if p is None:
                print("%s from %s, which this client has no connection to: dropped" % (kind, msg["from"]),
                      file=sys.stderr, flush=True)
            elif kind == "answer":
                await p.on_description(kind, msg["sdp"])
            else:
                await p.on_candidate(msg.get("candidate"))
        elif kind == "sfu-moved":
            # The room moved to another media node: a new connection to the SFU, offered as at join.
            print(json.dumps({"sfuMoved": msg.get("reason")}), flush=True)
            old = self.peers.pop(SFU, None)
            if old:
                self.close_later(old)
            await self.peer(SFU).offer()
        elif kind == "sfu-ended":
            print("the SFU ended this connection: %s" % msg.get("reason"), file=sys.stderr, flush=True)
            self.stop.set()
        elif kind == "peer-left":
            gone = self.peers.pop(msg["peerId"], None)
            if gone:
                self.close_later(gone)
        elif kind == "error":
            print("signaling error: %s: %s" % (msg.get("code"), msg.get("message")), file=sys.stderr)
            if msg.get("code") == "bad-resume":
                # The session is gone from the room (the grace passed, or messages it missed are no longer kept):
                # its peers saw it leave, so the old connections are closed and it joins afresh, offering to all.
                for gone in list(self.peers.values()):
                    self.close_later(gone)
                self.peers.clear()
                self.last_seq = 0
                await self.send({"type": "join", "token": self.token, "earlyRelay": True})
            elif msg.get("code") == "unavailable" and self.resume_token is not None:
                self.switch = True  # this instance cannot reach room state: resume on the next
            if not self.peers and msg.get("code") in ("unauthorized", "room-full", "wrong-room"):
                raise SystemExit(2)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="http://127.0.0.1:8080",
                        help="signaling-service base URL, or several (comma-separated) instances' URLs to resume on"
                             " in turn after a drop; behind a load balancer its one address is enough")
    parser.add_argument("--room", default="lobby")
    parser.add_argument("--user", default="aiortc")
    parser.add_argument("--mode", choices=["p2p", "sfu"], default="p2p",
                        help="room mode for the dev token (a room keeps the mode of its first peer)")
    parser.add_argument("--token", help="room token (its mode claim decides); without it the dev token endpoint"
                                        " mints one")
    parser.add_argument("--duration", type=float, default=30, help="seconds to stay in the room")
    parser.add_argument("--relay", action="store_true", help="relay-only (TURN) connections")
    parser.add_argument("--loopback", action="store_true", help="gather on 127.0.0.1 only (single-machine tests)")
    parser.add_argument("--gather-only", action="store_true", help="only fetch the ICE list and gather once")
    parser.add_argument("--ice-servers", help="JSON RTCIceServer list to use instead of icemesh's (comparisons)")
    parser.add_argument("--exit-on-frame", action="store_true", help="leave once a remote frame arrived")
    args = parser.parse_args()
    if args.loopback:
        use_loopback_only()
    patch_aiortc()
    print(json.dumps(asyncio.run(Client(args).run())), flush=True)


if __name__ == "__main__":
    main()
