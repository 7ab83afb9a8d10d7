"""Publishers and subscribers of one room, on icemesh (signaling WebSocket, SFU protocol) or on Janus (videoroom).

Every participant has its own RTCPeerConnection with real ICE (loopback only), DTLS and SRTP. Publishers send the
pre-encoded clip; subscribers receive without decoding (see receive_counters.install).
"""
import asyncio
import json
import time
import urllib.request

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

import receive_counters
from janus_api import JanusSession
from vp8clip import ClipTrack

SFU = "sfu"
"""The pseudo peer id of media-service in an icemesh SFU room."""
JOIN_TIMEOUT_S = 60


def new_pc():
    # No ICE servers: aiortc's default would ask a public STUN server; the benchmark stays on loopback.
    return RTCPeerConnection(RTCConfiguration(iceServers=[]))


def http_json(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


class Participant:
    def __init__(self, role, name):
        self.role = role
        self.name = name
        self.pc = new_pc()
        self.joined_at = None
        self.connected_at = None
        self.tasks = []

    def sent_frames(self):
        """Frames the publisher's track handed to aiortc so far."""
        return sum(getattr(t.sender.track, "sent", 0) for t in self.pc.getTransceivers() if t.sender.track)

    def received_packets(self):
        return sum(receive_counters.packets_of(t.receiver) for t in self.pc.getTransceivers())

    async def close(self):
        for t in self.tasks:
            t.cancel()
        await self.pc.close()


class IcemeshParticipant(Participant):
    """One client of an icemesh SFU room: it offers once to "sfu", then answers media-service's offers."""

    def __init__(self, role, name, base, room, clip):
        super().__init__(role, name)
        self.base = base.rstrip("/")
        self.room = room
        if role == "publisher":
            self.pc.addTrack(ClipTrack(clip))
        else:
            self.pc.addTransceiver("video", direction="recvonly")
        self.ws = None
        self.answered = asyncio.Event()
        self.error = None

    async def join(self):
        import websockets
        token = (await asyncio.get_running_loop().run_in_executor(
            None, http_json, self.base + "/api/dev/token", {"room": self.room, "user": self.name, "mode": "sfu"}))["token"]
        self.ws = await websockets.connect(self.base.replace("http", "ws", 1) + "/ws", max_size=None)
        self.joined_at = time.monotonic()
        await self.ws.send(json.dumps({"type": "join", "token": token}))
        self.tasks.append(asyncio.ensure_future(self._read()))
        await asyncio.wait_for(self.answered.wait(), JOIN_TIMEOUT_S)
        if self.error is not None:
            raise self.error

    async def _read(self):
        try:
            await self._handle_messages()
        except Exception as e:  # ends the join (or is reported at the next check)
            self.error = e
            self.answered.set()

    async def _handle_messages(self):
        async for text in self.ws:
            msg = json.loads(text)
            kind = msg.get("type")
            if kind == "joined":
                await self.pc.setLocalDescription(await self.pc.createOffer())
                await self.ws.send(json.dumps({"type": "offer", "to": SFU, "sdp": self.pc.localDescription.sdp}))
            elif kind == "answer":
                await self.pc.setRemoteDescription(RTCSessionDescription(sdp=msg["sdp"], type="answer"))
                self.answered.set()
            elif kind == "offer":
                await self.pc.setRemoteDescription(RTCSessionDescription(sdp=msg["sdp"], type="offer"))
                await self.pc.setLocalDescription(await self.pc.createAnswer())
                await self.ws.send(json.dumps({"type": "answer", "to": SFU, "sdp": self.pc.localDescription.sdp}))
            elif kind in ("error", "sfu-ended"):
                raise RuntimeError("%s: %s" % (self.name, msg))

    async def close(self):
        if self.ws is not None:
            try:
                await self.ws.send(json.dumps({"type": "leave"}))
                await self.ws.close()
            except Exception:  # leaving anyway
                pass
        await super().close()


class JanusParticipant(Participant):
    """One client of a Janus videoroom: a publisher publishes with its offer, a subscriber answers Janus's offer."""

    def __init__(self, role, name, url, room, clip):
        super().__init__(role, name)
        self.url = url
        self.room = room
        self.clip = clip
        self.session = None
        self.handle = None
        self.feed_id = None

    async def join(self, feed=None):
        self.session = await JanusSession.open(self.url)
        self.handle = await self.session.attach()
        self.joined_at = time.monotonic()
        if self.role == "publisher":
            await self._publish()
        else:
            await self._subscribe(feed)

    async def _publish(self):
        # A room per publisher run; bitrate 0 = no REMB cap, fir_freq 0 = no periodic keyframe requests.
        await self.session.message(self.handle, {"request": "create", "room": self.room, "publishers": 4,
                                                 "bitrate": 0, "fir_freq": 0, "videocodec": "vp8",
                                                 "audiocodec": "opus", "notify_joining": False})
        data, _ = await self.session.message(self.handle, {"request": "join", "ptype": "publisher",
                                                           "room": self.room, "display": self.name})
        self.feed_id = data["id"]
        self.pc.addTrack(ClipTrack(self.clip))
        await self.pc.setLocalDescription(await self.pc.createOffer())
        _, jsep = await self.session.message(self.handle, {"request": "publish", "audio": False, "video": True},
                                             {"type": "offer", "sdp": self.pc.localDescription.sdp})
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=jsep["sdp"], type=jsep["type"]))
        await self.session.trickle_completed(self.handle)

    async def _subscribe(self, feed):
        _, jsep = await self.session.message(self.handle, {"request": "join", "ptype": "subscriber",
                                                           "room": self.room, "streams": [{"feed": feed}]})
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=jsep["sdp"], type=jsep["type"]))
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        await self.session.message(self.handle, {"request": "start"},
                                   {"type": "answer", "sdp": self.pc.localDescription.sdp})
        await self.session.trickle_completed(self.handle)

    async def close(self):
        if self.session is not None:
            await self.session.close()
        await super().close()
