package io.icemesh.media;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.icemesh.media.rtcp.RtcpCompound;
import io.icemesh.media.rtcp.RtcpVisitor;
import io.icemesh.media.rtp.PacketClass;
import io.icemesh.media.rtp.RtpHeaderExtensions;
import io.icemesh.media.rtp.RtpPacket;
import io.icemesh.media.rtp.RtxPacket;
import io.icemesh.media.sdp.Codec;
import io.icemesh.media.sdp.MediaDescription;
import io.icemesh.media.sdp.SdpException;
import io.icemesh.media.sdp.SessionDescription;
import io.icemesh.media.sdp.SimulcastOffer;
import io.icemesh.media.sdp.SourceDescription;
import java.nio.charset.StandardCharsets;

/**
 * Fuzz targets for every parser that reads bytes or text from the network. Without JAZZER_FUZZ they replay the
 * committed corpus under src/test/resources (a quick regression run); with JAZZER_FUZZ=1 each fuzzes for its
 * maxDuration. Totality: no exception escapes, and every offset handed out stays inside the input.
 */
class ParsersFuzzTest {

    @FuzzTest(maxDuration = "60s")
    void demultiplexAndRtp(byte[] data) {
        PacketClass.of(data, 0, data.length);
        int header = RtpPacket.headerLength(data, 0, data.length);
        assertTrue(header >= -1 && header <= data.length);
        if (header >= 0) {
            RtpPacket.ssrc(data, 0);
            RtpPacket.sequenceNumber(data, 0);
            RtpPacket.payloadType(data, 0);
            int n = RtpHeaderExtensions.forEach(data, 0, data.length,
                    (id, off, len) -> assertTrue(off >= 0 && len >= 0 && off + len <= header));
            assertTrue(n >= -1);
            // The VP8 descriptor after the header: read, and rewritten as a simulcast switch does, within bounds.
            int len = data.length - header;
            int d = io.icemesh.media.rtp.Vp8Descriptor.length(data, header, len);
            assertTrue(d >= -1 && d <= len);
            io.icemesh.media.rtp.Vp8Descriptor.isKeyframeStart(data, header, len);
            io.icemesh.media.rtp.Vp8Descriptor.keyframeWidth(data, header, len);
            int pic = io.icemesh.media.rtp.Vp8Descriptor.pictureId(data, header, len);
            io.icemesh.media.rtp.Vp8Descriptor.setPictureId(data, header, len, pic + 7);
            io.icemesh.media.rtp.Vp8Descriptor.setTl0PicIdx(data, header, len,
                    io.icemesh.media.rtp.Vp8Descriptor.tl0PicIdx(data, header, len) + 1);
        }
    }

    @FuzzTest(maxDuration = "60s")
    void rtcpCompound(byte[] data) {
        RtcpCompound.parse(data, 0, data.length, new RtcpVisitor() {
            @Override
            public void other(int packetType, int format, int offset, int length) {
                assertTrue(offset >= 0 && length >= 0 && offset + length <= data.length);
            }

            @Override
            public void reportBlock(int reporter, int source, int fraction, int cumulative, long highest, long jitter,
                    long lsr, long dlsr) {
                assertTrue(fraction >= 0 && fraction <= 255 && cumulative >= -0x800000 && cumulative <= 0x7FFFFF);
            }
        });
    }

    @FuzzTest(maxDuration = "60s")
    void rtxUnwrapAndWrap(byte[] data) {
        byte[] copy = data.clone();
        int n = RtxPacket.unwrap(copy, 0, copy.length, 96, 1);
        assertTrue(n >= RtxPacket.MALFORMED && n <= data.length);
        byte[] out = new byte[data.length + 2];
        int w = RtxPacket.wrap(data, 0, data.length, out, 0, 97, 2, 3);
        assertTrue(w >= RtxPacket.MALFORMED && w <= out.length);
        if (w > 0) {
            int back = RtxPacket.unwrap(out, 0, w, 96, 1);
            assertTrue(back >= 0, "an RTX packet the SFU wrote unwraps");
        }
    }

    @FuzzTest(maxDuration = "60s")
    void sessionDescription(byte[] data) {
        try {
            SessionDescription sdp = SessionDescription.parse(new String(data, StandardCharsets.UTF_8));
            sdp.bundleMids();
            sdp.transportAttribute("ice-ufrag");
            for (MediaDescription m : sdp.media()) {
                Codec.choose(m);
                SourceDescription.of(m);
                try {
                    SimulcastOffer.of(m);
                } catch (SdpException expected) {
                    // a simulcast the SFU refuses is a normal outcome
                }
                m.candidates();
                m.direction();
            }
        } catch (SdpException expected) {
            // refused SDP is a normal outcome
        }
    }
}
