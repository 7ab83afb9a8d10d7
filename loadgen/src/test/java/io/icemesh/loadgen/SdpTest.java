package io.icemesh.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class SdpTest {

    /** An SFU offer shaped like Janus's and media-service's: audio, two video sections, a data channel. */
    private static final String OFFER = String.join("\r\n",
            "v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=group:BUNDLE a0 v1 v2 d3", "a=ice-lite",
            "m=audio 9 UDP/TLS/RTP/SAVPF 111", "c=IN IP4 127.0.0.1", "a=mid:a0", "a=sendonly",
            "a=ice-ufrag:srvU", "a=ice-pwd:serverpasswordserverpass", "a=setup:actpass",
            "a=fingerprint:SHA-256 AA:BB:CC", "a=rtpmap:111 opus/48000/2", "a=ssrc:11 cname:x",
            "a=candidate:1 1 udp 2130706431 127.0.0.1 10000 typ host",
            "a=candidate:2 1 tcp 1518280447 127.0.0.1 10000 typ host tcptype passive",
            "a=candidate:3 1 udp 2130706431 3c9f2b6e-1c2d.local 5000 typ host",
            "a=candidate:4 2 udp 2130706430 127.0.0.1 10001 typ host",
            "m=video 9 UDP/TLS/RTP/SAVPF 100 96 97", "c=IN IP4 127.0.0.1", "a=mid:v1", "a=sendonly",
            "a=rtpmap:100 H264/90000", "a=rtpmap:96 VP8/90000", "a=rtpmap:97 rtx/90000", "a=fmtp:97 apt=96",
            "a=ssrc:1234 cname:x", "a=ssrc:1234 msid:s t", "a=ssrc:1235 cname:x",
            "m=video 9 UDP/TLS/RTP/SAVPF 96", "c=IN IP4 127.0.0.1", "a=mid:v2", "a=inactive",
            "a=rtpmap:96 VP8/90000",
            "m=application 9 UDP/DTLS/SCTP webrtc-datachannel", "c=IN IP4 127.0.0.1", "a=mid:d3", "");

    @Test
    void readsCredentialsFingerprintUdpCandidatesAndEachSectionsVp8AndSsrcs() {
        Sdp sdp = Sdp.parse(OFFER);
        assertEquals("srvU", sdp.iceUfrag);
        assertEquals("serverpasswordserverpass", sdp.icePwd);
        assertEquals("sha-256", sdp.fingerprintAlgorithm);
        assertEquals("AA:BB:CC", sdp.fingerprint);
        assertEquals("actpass", sdp.setup);
        assertTrue(sdp.iceLite);
        // TCP, an mDNS name and component 2 are not candidates the tool uses
        assertEquals(List.of(new InetSocketAddress("127.0.0.1", 10000)), sdp.candidates);
        assertEquals(4, sdp.media.size());
        Sdp.Media video = sdp.media.get(1);
        assertEquals("v1", video.mid);
        assertEquals(96, video.vp8);
        assertEquals(List.of(1234L, 1235L), video.ssrcs);
        assertTrue(video.serverSends());
        assertFalse(sdp.media.get(2).serverSends());
    }

    @Test
    void answersEveryVp8VideoSectionAndRejectsTheRestOutsideBundle() {
        Sdp.Local local = new Sdp.Local("locU", "localpasswordlocalpassw", "01:02",
                new InetSocketAddress("127.0.0.1", 40000));
        Sdp answer = Sdp.parse(Sdp.answer(local, Sdp.parse(OFFER), 7));
        String text = Sdp.answer(local, Sdp.parse(OFFER), 7);
        assertTrue(text.contains("a=group:BUNDLE v1 v2\r\n"), text);
        assertEquals(4, answer.media.size());
        assertTrue(answer.media.get(0).rejected());
        assertEquals("recvonly", answer.media.get(1).direction);
        assertEquals(96, answer.media.get(1).vp8);
        assertEquals(97, answer.media.get(1).rtx(), "the offer's RTX for VP8 is accepted");
        assertEquals("inactive", answer.media.get(2).direction);
        assertTrue(answer.media.get(3).rejected());
        assertEquals("active", answer.setup);
        assertEquals("locU", answer.iceUfrag);
        assertEquals(List.of(new InetSocketAddress("127.0.0.1", 40000)), answer.candidates);
    }

    @Test
    void aPublishersOfferSendsOneVp8SectionWithItsSsrc() {
        Sdp.Local local = new Sdp.Local("locU", "localpasswordlocalpassw", "01:02",
                new InetSocketAddress("127.0.0.1", 40000));
        Sdp offer = Sdp.parse(Sdp.offer(local, 9, 0xCAFEBABEL, 0xCAFEBABCL, "lg-pub"));
        assertEquals(1, offer.media.size());
        assertEquals("sendonly", offer.media.get(0).direction);
        assertEquals(List.of(0xCAFEBABEL, 0xCAFEBABCL), offer.media.get(0).ssrcs);
        assertEquals(97, offer.media.get(0).rtx());
        assertEquals(0xCAFEBABEL, offer.media.get(0).repairs.get(0xCAFEBABCL));
        assertEquals("actpass", offer.setup);
        Sdp sub = Sdp.parse(Sdp.offer(local, 9, 0, 0, "lg-sub"));
        assertEquals("recvonly", sub.media.get(0).direction);
        assertTrue(sub.media.get(0).ssrcs.isEmpty());
    }
}
