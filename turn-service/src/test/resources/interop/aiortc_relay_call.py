"""Two aiortc peers in one process, relay candidates only, through the TURN server under test.

Usage: aiortc_relay_call.py TURN_URL USERNAME PASSWORD
Prints one JSON line: selected candidate pair types, the data channel message, video frames received.
aioice skips loopback host addresses and aiortc has no iceTransportPolicy, so both are set by hand here.
"""
import asyncio
import json
import sys
import time

import aioice.ice
from aioice.ice import TransportPolicy

aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]

from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection, VideoStreamTrack  # noqa: E402

TIMEOUT = 30


def ice_connections(pc):
    return [t.iceGatherer._connection for t in pc._RTCPeerConnection__iceTransports]


def relay_only(pc):
    for connection in ice_connections(pc):
        connection._transport_policy = TransportPolicy.RELAY


def selected_pairs(pc):
    pairs = []
    for connection in ice_connections(pc):
        for pair in connection._nominated.values():
            pairs.append({"local": pair.local_candidate.type, "remote": pair.remote_candidate.type,
                          "localAddress": "%s:%d" % (pair.local_candidate.host, pair.local_candidate.port)})
    return pairs


async def main(url, username, password):
    config = RTCConfiguration(iceServers=[RTCIceServer(urls=url, username=username, credential=password)])
    pc1 = RTCPeerConnection(config)
    pc2 = RTCPeerConnection(config)
    loop = asyncio.get_event_loop()
    message = loop.create_future()
    frames = []
    enough_frames = loop.create_future()

    @pc2.on("datachannel")
    def on_datachannel(channel):
        @channel.on("message")
        def on_message(msg):
            if not message.done():
                message.set_result(msg)

    async def read_frames(track):
        while len(frames) < 5:
            frames.append(await track.recv())
        if not enough_frames.done():
            enough_frames.set_result(True)

    @pc2.on("track")
    def on_track(track):
        asyncio.ensure_future(read_frames(track))

    channel = pc1.createDataChannel("chat")
    pc1.addTrack(VideoStreamTrack())
    started = time.monotonic()
    relay_only(pc1)
    await pc1.setLocalDescription(await pc1.createOffer())
    await pc2.setRemoteDescription(pc1.localDescription)
    relay_only(pc2)
    await pc2.setLocalDescription(await pc2.createAnswer())
    await pc1.setRemoteDescription(pc2.localDescription)

    opened = loop.create_future()
    if channel.readyState == "open":
        opened.set_result(True)
    else:
        channel.on("open", lambda: opened.done() or opened.set_result(True))
    await asyncio.wait_for(opened, TIMEOUT)
    connected_ms = (time.monotonic() - started) * 1000
    channel.send("hello through turn")
    received = await asyncio.wait_for(message, TIMEOUT)
    await asyncio.wait_for(enough_frames, TIMEOUT)
    result = {"connectedMs": connected_ms, "message": received, "frames": len(frames),
              "pc1": selected_pairs(pc1), "pc2": selected_pairs(pc2),
              "offerCandidateTypes": sorted({line.split()[7] for line in pc1.localDescription.sdp.splitlines()
                                              if line.startswith("a=candidate:")})}
    await pc1.close()
    await pc2.close()
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3]))
