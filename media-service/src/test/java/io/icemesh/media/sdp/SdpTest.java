package io.icemesh.media.sdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.media.dtls.Fingerprint;
import java.util.List;
import org.junit.jupiter.api.Test;

class SdpTest {

    static final String CHROME_OFFER = "v=0\r\no=- 4611 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
            + "a=group:BUNDLE 0 1\r\na=extmap-allow-mixed\r\na=msid-semantic: WMS stream1\r\n"
            + "m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n"
            + "a=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host generation 0 network-id 1\r\n"
            + "a=candidate:2 1 udp 2122194687 192.0.2.2 50001 typ host generation 0 network-id 2\r\n"
            + "a=candidate:3 1 udp 2122194687 abcd.local 50002 typ host generation 0\r\n"
            + "a=ice-ufrag:Ab1x\r\na=ice-pwd:QwErTyUiOpAsDfGhJkLzXcVb\r\na=ice-options:trickle\r\n"
            + "a=fingerprint:sha-256 0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9:0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9\r\n"
            + "a=setup:actpass\r\na=mid:0\r\na=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\na=sendonly\r\n"
            + "a=msid:stream1 track1\r\na=rtcp-mux\r\na=rtcp-rsize\r\na=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack pli\r\n"
            + "a=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\na=rtpmap:102 H264/90000\r\na=rtpmap:103 rtx/90000\r\n"
            + "a=fmtp:103 apt=102\r\na=ssrc-group:FID 3735928559 287454020\r\na=ssrc:3735928559 cname:cn1\r\n"
            + "a=ssrc:3735928559 msid:stream1 track1\r\na=ssrc:287454020 cname:cn1\r\na=ssrc:287454020 msid:stream1 track1\r\n"
            + "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\na=sendonly\r\na=rtcp-mux\r\n"
            + "a=rtpmap:96 VP8/90000\r\na=rid:h send\r\na=rid:l send\r\na=simulcast:send h;l\r\n";

    @Test
    void readsWhatTheSfuNeedsFromAChromeOffer() throws Exception {
        SessionDescription sdp = SessionDescription.parse(CHROME_OFFER);
        assertEquals(List.of("0", "1"), sdp.bundleMids());
        assertEquals("Ab1x", sdp.transportAttribute("ice-ufrag"));
        assertEquals("actpass", sdp.transportAttribute("setup"));
        MediaDescription video = sdp.media().get(0);
        assertEquals("0", video.mid());
        assertEquals("sendonly", video.direction());
        assertTrue(video.remoteSends());
        assertEquals(new Codec("video", 96, 97), Codec.choose(video));
        SourceDescription src = SourceDescription.of(video);
        assertEquals(0xDEADBEEF, src.primarySsrc());
        assertEquals(0x11223344, src.rtxSsrc());
        assertEquals("cn1", src.cname());
        assertEquals("stream1", src.streamId());
        assertEquals("track1", src.trackId());
        List<Candidate> candidates = video.candidates();
        assertEquals(3, candidates.size());
        assertEquals("127.0.0.1", candidates.get(0).inetAddress().getHostAddress());
        assertNull(candidates.get(2).inetAddress(), "mDNS names are not resolved");
        SourceDescription simulcast = SourceDescription.of(sdp.media().get(1));
        assertEquals(List.of("h", "l"), simulcast.rids());
        assertTrue(simulcast.simulcast());
        assertEquals(0, simulcast.primarySsrc());
        Fingerprint f = Fingerprint.parse(sdp.transportAttribute("fingerprint"));
        assertEquals("sha-256", f.hashFunction());
    }

    @Test
    void refusesSdpItCannotUse() {
        assertThrows(SdpException.class, () -> SessionDescription.parse(""));
        assertThrows(SdpException.class, () -> SessionDescription.parse("o=- 1 1 IN IP4 0.0.0.0\r\n"), "no v=0");
        assertThrows(SdpException.class, () -> SessionDescription.parse("v=0\r\nm=video\r\n"));
        assertThrows(SdpException.class, () -> SessionDescription.parse("v=0\r\nm=video 70000 RTP/AVP 0\r\n"));
        assertThrows(SdpException.class, () -> SessionDescription.parse("v=0\r\nbogus\r\n"));
        assertNull(Fingerprint.parse("md5 AB:CD"));
        assertNull(Candidate.parse("1 1 udp x 127.0.0.1 1 typ host"));
    }

    @Test
    void writesAnOfferThatReadsBackWithBundleSsrcsAndRtx() throws Exception {
        Fingerprint fp = Fingerprint.of("sha-256", new byte[] {1, 2, 3});
        SdpWriter writer = new SdpWriter(42);
        String sdp = writer.write(3, "uf", "pw0123456789012345678901", fp, "actpass",
                List.of("1 1 udp 2130706431 127.0.0.1 10000 typ host"),
                List.of(new MediaLine("video", "0", false, "UDP/TLS/RTP/SAVPF", null, "recvonly", new Codec("video", 96, 97), null),
                        MediaLine.rejected("application", "1", "UDP/DTLS/SCTP", "webrtc-datachannel"),
                        new MediaLine("video", "2", false, "UDP/TLS/RTP/SAVPF", null, "sendonly", Codec.CANONICAL_VIDEO,
                                new MediaLine.Source(0xDEADBEEF, 7, "cn", "st", "tr"))));
        SessionDescription back = SessionDescription.parse(sdp);
        assertEquals(List.of("0", "2"), back.bundleMids(), "rejected sections stay out of BUNDLE");
        assertEquals(3, back.media().size());
        assertEquals(0, back.media().get(1).port());
        MediaDescription fwd = back.media().get(2);
        assertEquals("sendonly", fwd.direction());
        SourceDescription src = SourceDescription.of(fwd);
        assertEquals(0xDEADBEEF, src.primarySsrc());
        assertEquals(7, src.rtxSsrc());
        assertEquals("tr", src.trackId());
        assertEquals(new Codec("video", 96, 97), Codec.choose(fwd));
        assertEquals("actpass", back.transportAttribute("setup"));
        assertEquals(1, back.media().get(0).candidates().size());
        assertTrue(sdp.contains("o=icemesh-media 42 3 IN IP4"));
        assertEquals(ExtensionMap.ABS_SEND_TIME_ID, ExtensionMap.find(fwd, io.icemesh.media.rtp.AbsSendTime.URI),
                "the SFU's video sends carry its abs-send-time");
        assertEquals(0, ExtensionMap.find(back.media().get(0), io.icemesh.media.rtp.AbsSendTime.URI),
                "nothing is accepted from a publisher's section");
        assertTrue(fwd.attributes("rtcp-fb").contains("96 goog-remb"), "REMB offered to the subscriber");
        assertTrue(back.media().get(0).attributes("rtcp-fb").contains("96 goog-remb"), "and accepted from the SFU");
        assertEquals(ExtensionMap.ABS_SEND_TIME_ID, ExtensionMap.absSendTimeId(back.media()));
    }
}
