package io.icemesh.media.sdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SimulcastOfferTest {

    static final String HEAD = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
            + "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendonly\r\na=rtcp-mux\r\n"
            + "a=rtpmap:96 VP8/90000\r\na=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n";
    /** What Chromium offers for sendEncodings q, h, f. */
    static final String CHROME = HEAD + "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
            + "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n"
            + "a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id\r\n"
            + "a=rid:q send\r\na=rid:h send\r\na=rid:f send\r\na=simulcast:send q;h;f\r\n";

    static MediaDescription section(String sdp) throws SdpException {
        return SessionDescription.parse(sdp).media().get(0);
    }

    @Test
    void readsChromiumsSimulcastAndAnswersItWithTheSameExtensionIds() throws Exception {
        SimulcastOffer s = SimulcastOffer.of(section(CHROME));
        assertEquals(List.of("q", "h", "f"), s.rids());
        assertEquals(4, s.midId());
        assertEquals(10, s.ridId());
        assertEquals(11, s.repairedRidId());
        assertEquals(List.of("extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid",
                "extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id",
                "extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id", "rid:q recv", "rid:h recv",
                "rid:f recv", "simulcast:recv q;h;f"), s.answerAttributes());
        String answer = new SdpWriter(1).write(1, "u", "p", io.icemesh.media.dtls.Fingerprint.parse(
                "sha-256 0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9:0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9"),
                "passive", List.of(), List.of(new MediaLine("video", "0", false, "UDP/TLS/RTP/SAVPF", null,
                        "recvonly", Codec.CANONICAL_VIDEO, null, s.answerAttributes())));
        assertTrue(answer.contains("a=recvonly\r\na=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"), answer);
        assertTrue(answer.contains("a=simulcast:recv q;h;f\r\n"), answer);
    }

    @Test
    void alternativesAndPausedLayersTakeTheFirstRid() throws Exception {
        String sdp = HEAD + "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n"
                + "a=rid:a send\r\na=rid:b send\r\na=rid:c send\r\na=simulcast:send a,b;~c\r\n";
        SimulcastOffer s = SimulcastOffer.of(section(sdp));
        assertEquals(List.of("a", "c"), s.rids());
        assertEquals(0, s.midId());
        assertEquals(0, s.repairedRidId());
    }

    @Test
    void noSimulcastOrRecvOnlySimulcastIsNone() throws Exception {
        assertNull(SimulcastOffer.of(section(HEAD)));
        assertNull(SimulcastOffer.of(section(HEAD + "a=rid:x recv\r\na=simulcast:recv x\r\n")));
    }

    @Test
    void simulcastTheSfuCannotDemultiplexIsRefusedWithAReason() throws Exception {
        SdpException noRidExtension = assertThrows(SdpException.class, () -> SimulcastOffer.of(section(
                HEAD + "a=rid:q send\r\na=rid:h send\r\na=simulcast:send q;h\r\n")));
        assertTrue(noRidExtension.getMessage().contains("rtp-stream-id"), noRidExtension.getMessage());
        SdpException undeclared = assertThrows(SdpException.class, () -> SimulcastOffer.of(section(
                CHROME.replace("a=rid:f send\r\n", ""))));
        assertTrue(undeclared.getMessage().contains("rid f"), undeclared.getMessage());
        StringBuilder many = new StringBuilder(HEAD + "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n");
        for (int i = 0; i < 5; i++) {
            many.append("a=rid:r").append(i).append(" send\r\n");
        }
        many.append("a=simulcast:send r0;r1;r2;r3;r4\r\n");
        assertThrows(SdpException.class, () -> SimulcastOffer.of(section(many.toString())));
    }
}
