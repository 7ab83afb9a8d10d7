#!/usr/bin/python3
"""Unit tests of icemesh_client.py's fixes to aiortc 1.4 and aioice 0.8 (Debian's): /usr/bin/python3 -m unittest
test_icemesh_client (mesh-tests' AiortcClientUnitTest runs them in the build)."""
import argparse
import asyncio
import json
import unittest

import aioice
import aioice.ice
from aiortc import RTCPeerConnection, VideoStreamTrack
from aiortc.rtp import RtpPacket

import icemesh_client


def packet(seq, timestamp, marker, data):
    p = RtpPacket(sequence_number=seq, timestamp=timestamp)
    p.marker = marker
    p._data = data
    return p


class MarkerJitterBufferTest(unittest.TestCase):

    def setUp(self):
        self.buffer = icemesh_client.MarkerJitterBuffer(capacity=128, is_video=True)

    def frame(self, *args):
        return self.buffer.add(packet(*args))[1]

    def test_a_frame_is_handed_over_at_its_marker_not_at_the_next_frame(self):
        self.assertIsNone(self.frame(10, 1000, 0, b"a"))
        frame = self.frame(11, 1000, 1, b"b")
        self.assertEqual((b"ab", 1000), (frame.data, frame.timestamp))
        frame = self.frame(12, 4000, 1, b"c")
        self.assertEqual((b"c", 4000), (frame.data, frame.timestamp), "a one-packet frame at once too")

    def test_a_reordered_frame_is_handed_over_when_its_last_missing_packet_arrives(self):
        self.assertEqual(b"z", self.frame(19, 1000, 1, b"z").data)
        self.assertIsNone(self.frame(21, 4000, 1, b"b"), "20 is missing")
        frame = self.frame(20, 4000, 0, b"a")
        self.assertEqual(b"ab", frame.data)

    def test_a_frame_with_a_gap_waits(self):
        self.assertIsNone(self.frame(30, 1000, 0, b"a"))
        self.assertIsNone(self.frame(32, 1000, 1, b"c"), "31 is missing")
        self.assertEqual(b"abc", self.frame(31, 1000, 0, b"b").data)

    def test_without_a_marker_aiortc_rule_still_applies(self):
        self.assertIsNone(self.frame(40, 1000, 0, b"a"))
        self.assertIsNone(self.frame(41, 1000, 0, b"b"))
        self.assertEqual(b"ab", self.frame(42, 4000, 0, b"c").data, "handed over when the next frame starts")

    def test_padding_after_a_frame_went_out_is_never_handed_over_alone(self):
        self.assertEqual(b"a", self.frame(50, 1000, 1, b"a").data)
        self.assertIsNone(self.frame(51, 1000, 0, b""), "padding with the sent frame's timestamp")
        frame = self.frame(52, 4000, 1, b"c")
        self.assertEqual(b"c", frame.data, "the next frame, not the padding alone")

    def test_audio_is_left_to_aiortc(self):
        audio = icemesh_client.MarkerJitterBuffer(capacity=16, prefetch=4)
        self.assertIsNone(audio.add(packet(1, 960, 1, b"x"))[1])


class AioiceConnectTest(unittest.TestCase):
    """The replaced Connection.connect still connects two agents and still fails when nobody answers."""

    def setUp(self):
        icemesh_client.use_loopback_only()
        icemesh_client.patch_aiortc()
        self.assertIs(aioice.ice.Connection.connect, icemesh_client.aioice_connect, "aioice 0.8.0 is patched")

    def test_two_agents_connect_and_exchange_data(self):
        async def run():
            a = aioice.Connection(ice_controlling=True)
            b = aioice.Connection(ice_controlling=False)
            await asyncio.gather(a.gather_candidates(), b.gather_candidates())
            for x, y in ((a, b), (b, a)):
                for c in y.local_candidates:
                    await x.add_remote_candidate(c)
                await x.add_remote_candidate(None)
                x.remote_username, x.remote_password = y.local_username, y.local_password
            await asyncio.wait_for(asyncio.gather(a.connect(), b.connect()), 10)
            await a.send(b"hello")
            received = await asyncio.wait_for(b.recv(), 5)
            await asyncio.gather(a.close(), b.close())
            return received

        self.assertEqual(b"hello", asyncio.run(run()))

    def test_no_pair_to_check_fails(self):
        async def run():
            a = aioice.Connection(ice_controlling=True)
            await a.gather_candidates()
            # IPv6 only, where this agent gathered on 127.0.0.1 only: nothing to pair with
            other = aioice.Candidate(foundation="x", component=1, transport="udp", priority=1, host="::1", port=9,
                                     type="host")
            await a.add_remote_candidate(other)
            await a.add_remote_candidate(None)
            a.remote_username, a.remote_password = "user", "password-password"
            try:
                await asyncio.wait_for(a.connect(), 10)
            finally:
                await a.close()

        with self.assertRaises(ConnectionError):
            asyncio.run(run())


class FakeSocket:
    """Stands in for the signaling socket: keeps what the client sends."""

    def __init__(self):
        self.sent = []
        self.open = True

    async def send(self, text):
        self.sent.append(json.loads(text))


class StandbyTest(unittest.IsolatedAsyncioTestCase):
    """The next connection is made and gathering before a peer needs it (README, "Ready before it is needed")."""

    async def asyncSetUp(self):
        icemesh_client.use_loopback_only()
        # Gathering takes 50 ms here, as a STUN or TURN round trip to a real server would: what comes meanwhile
        # (joined, an offer) finds the standby still gathering, and must wait for it.
        gather = aioice.Connection.gather_candidates

        async def slow_gather(connection):
            await asyncio.sleep(0.05)
            await gather(connection)

        aioice.Connection.gather_candidates = slow_gather
        self.addCleanup(setattr, aioice.Connection, "gather_candidates", gather)
        args = argparse.Namespace(relay=False, ice_servers=None)
        self.client = icemesh_client.Client(args)
        self.client.ws = FakeSocket()

    async def asyncTearDown(self):
        await self.client.close_all()

    async def list_message(self, ttl=600):
        await self.client.on_message({"type": "ice-servers", "iceServers": [], "iceServersTtl": ttl})
        await asyncio.sleep(0)  # the standby's gathering has started

    async def offer_from_another_peer(self):
        other = RTCPeerConnection()
        other.addTrack(VideoStreamTrack())
        await other.setLocalDescription(await other.createOffer())
        self.addAsyncCleanup(other.close)
        return other.localDescription.sdp

    def sent(self, kind):
        return [m for m in self.client.ws.sent if m["type"] == kind]

    async def test_a_list_before_joined_makes_the_connection_a_newcomer_then_answers_on(self):
        offer = await self.offer_from_another_peer()
        await self.list_message()
        standby = self.client.standby
        self.assertIsNotNone(standby, "made when the list comes")
        self.assertIsNotNone(standby.gathering_ahead, "and gathering")
        await self.client.on_message({"type": "joined", "room": "r", "mode": "p2p", "peerId": "me",
                                      "resumeToken": "t", "peers": [], "iceServers": [], "iceServersTtl": 600})
        self.assertIs(standby, self.client.standby, "joined's own list does not replace a fresh standby")
        await self.client.on_message({"type": "peer-joined", "peerId": "newcomer"})
        self.assertIs(standby, self.client.peers["newcomer"], "the newcomer is answered on the standby")
        self.assertEqual("newcomer", standby.peer_id)
        self.assertIsNone(self.client.standby)
        self.assertIsNotNone(self.client.standby_timer, "the next one is made a little later")
        self.assertEqual("gathering", standby.pc.iceGatheringState, "still gathering when the offer comes")
        await self.client.on_message({"type": "offer", "from": "newcomer", "sdp": offer})
        answers = self.sent("answer")
        self.assertEqual(["newcomer"], [m["to"] for m in answers])
        self.assertIn("a=candidate:", answers[0]["sdp"], "the answer waited for the candidates gathered ahead")

    async def test_a_standby_that_waited_half_the_lists_lifetime_is_made_again(self):
        await self.list_message(ttl=600)
        old = self.client.standby
        await self.list_message(ttl=600)
        self.assertIs(old, self.client.standby, "a fresh one is kept")
        old.made -= 301
        await self.list_message(ttl=600)
        self.assertIsNot(old, self.client.standby, "one older than half the lifetime is replaced")
        await asyncio.gather(*self.client.closing)
        self.assertEqual("closed", old.pc.connectionState, "and closed")

    async def test_in_an_sfu_room_the_standby_becomes_the_connection_to_media_service_and_no_other_is_made(self):
        await self.list_message()
        standby = self.client.standby
        await self.client.on_message({"type": "joined", "room": "r", "mode": "sfu", "peerId": "me",
                                      "resumeToken": "t", "peers": [], "iceServers": [], "iceServersTtl": 600})
        self.assertIs(standby, self.client.peers[icemesh_client.SFU])
        offers = self.sent("offer")
        self.assertEqual([icemesh_client.SFU], [m["to"] for m in offers])
        self.assertIn("a=candidate:", offers[0]["sdp"], "the offer waited for the candidates gathered ahead")
        standby.made -= 10_000
        await self.list_message()
        self.assertIsNone(self.client.standby)
        self.assertIsNone(self.client.standby_timer)


    async def test_a_failed_gathering_ahead_sends_no_offer_without_candidates(self):
        await self.list_message()

        async def refused():
            raise ConnectionError("TURN allocation refused")

        standby = self.client.standby
        await standby.gathering_ahead  # the real one first, so that nothing else gathers after the swap
        standby.gathering_ahead = asyncio.ensure_future(refused())
        self.addAsyncCleanup(standby.pc.close)
        with self.assertRaises(ConnectionError):
            await self.client.on_message({"type": "joined", "room": "r", "mode": "p2p", "peerId": "me",
                                          "resumeToken": "t", "peers": [{"peerId": "first"}]})
        self.assertEqual([], self.sent("offer"))

    async def test_an_answer_or_candidate_from_a_peer_without_a_connection_takes_no_connection(self):
        await self.list_message()
        standby = self.client.standby
        await self.client.on_message({"type": "answer", "from": "gone", "sdp": await self.offer_from_another_peer()})
        await self.client.on_message({"type": "candidate", "from": "gone", "candidate": {"candidate": ""}})
        self.assertEqual({}, self.client.peers)
        self.assertIs(standby, self.client.standby)

    async def test_a_peer_that_leaves_while_its_connection_gathers_holds_up_no_message(self):
        await self.list_message()
        await self.client.on_message({"type": "joined", "room": "r", "mode": "p2p", "peerId": "me",
                                      "resumeToken": "t", "peers": []})
        await self.client.on_message({"type": "peer-joined", "peerId": "brief"})
        brief = self.client.peers["brief"]
        await self.client.on_message({"type": "peer-left", "peerId": "brief"})
        self.assertFalse(brief.gathering_ahead.done(), "peer-left handled while the connection still gathers")
        await asyncio.gather(*self.client.closing)
        self.assertEqual("closed", brief.pc.connectionState, "closed once its gathering was over")

    async def test_a_resume_closes_the_connections_to_peers_no_longer_in_the_room(self):
        await self.client.on_message({"type": "joined", "room": "r", "mode": "p2p", "peerId": "me",
                                      "resumeToken": "t", "peers": []})
        await self.client.on_message({"type": "peer-joined", "peerId": "stays"})
        stays = self.client.peers["stays"]
        refused = self.client.peer("refused")  # an offer came ahead of its join: a connection, no peer-joined
        await self.client.on_message({"type": "resumed", "room": "r", "mode": "p2p", "peerId": "me",
                                      "peers": [{"peerId": "stays", "user": "u"}]})
        self.assertEqual(["stays"], list(self.client.peers))
        self.assertIs(stays, self.client.peers["stays"])
        await asyncio.gather(*self.client.closing)
        self.assertEqual("closed", refused.pc.connectionState, "the withdrawn newcomer's connection is closed")

    async def test_leaving_closes_the_standby_after_its_gathering(self):
        await self.list_message()
        standby = self.client.standby
        await self.client.close_all()
        self.assertEqual("closed", standby.pc.connectionState)
        self.assertTrue(standby.gathering_ahead.done(), "closed once its gathering was over")
        self.client.make_standby()
        self.assertIs(standby, self.client.standby, "no new one once leaving")


if __name__ == "__main__":
    unittest.main()
