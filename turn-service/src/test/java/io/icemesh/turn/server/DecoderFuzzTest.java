package io.icemesh.turn.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.icemesh.turn.metrics.TurnMetrics;
import io.icemesh.stun.ChannelData;
import io.icemesh.stun.ErrorCodeAttribute;
import io.icemesh.stun.MessageIntegrity;
import io.icemesh.stun.StunAttributeType;
import io.icemesh.stun.StunMessage;
import io.icemesh.stun.StunMessageDecoder;
import io.icemesh.stun.XorAddress;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * Fuzz tests of every decoder that reads client bytes: the STUN message decoder (and what the server reads from a
 * decoded message), ChannelData header checks, and the TCP/TLS stream framer. Without JAZZER_FUZZ they replay the
 * committed inputs under src/test/resources/.../DecoderFuzzTestInputs; with JAZZER_FUZZ=1 each fuzzes for
 * at most the maxDuration given, so the run stays within CI time.
 */
class DecoderFuzzTest {

    private static final byte[] KEY = {1, 2, 3, 4};

    @FuzzTest(maxDuration = "60s")
    void stunDecoderIsTotal(byte[] input) {
        StunMessage m = StunMessageDecoder.decode(input);
        if (m == null) {
            return;
        }
        assertEquals(input.length, m.bytes().length);
        for (int i = 0; i < m.attributeCount(); i++) {
            assertTrue(m.valueOffset(i) + m.valueLength(i) <= input.length, "attribute inside the message");
        }
        XorAddress.decode(m, StunAttributeType.XOR_PEER_ADDRESS);
        XorAddress.decode(m, StunAttributeType.XOR_MAPPED_ADDRESS);
        ErrorCodeAttribute.codeOf(m);
        m.uint32Value(StunAttributeType.LIFETIME);
        m.stringValue(StunAttributeType.USERNAME);
        MessageIntegrity.verifySha1(m, KEY);
        MessageIntegrity.verifySha256(m, KEY);
    }

    @FuzzTest(maxDuration = "60s")
    void channelDataHeaderIsTotal(byte[] input) {
        if (input.length < ChannelData.HEADER_LENGTH) {
            return;
        }
        int channel = ((input[0] & 0xFF) << 8) | (input[1] & 0xFF);
        int declared = ((input[2] & 0xFF) << 8) | (input[3] & 0xFF);
        int length = ChannelData.payloadLength(channel, declared, input.length);
        assertTrue(length == -1 || ChannelData.HEADER_LENGTH + length <= input.length);
    }

    @FuzzTest(maxDuration = "60s")
    void streamFramerIsTotal(byte[] input) {
        TurnMetrics metrics = new TurnMetrics(new SimpleMeterRegistry(), () -> 0);
        EmbeddedChannel channel = new EmbeddedChannel(new StunStreamFrameDecoder(metrics, "tcp", 5_000_000_000L));
        try {
            int half = input.length / 2;
            channel.writeInbound(Unpooled.wrappedBuffer(input, 0, half));
            if (channel.isOpen()) {
                channel.writeInbound(Unpooled.wrappedBuffer(input, half, input.length - half));
            }
            int framed = 0;
            ByteBuf frame;
            while ((frame = channel.readInbound()) != null) {
                framed += frame.readableBytes();
                assertTrue(frame.readableBytes() >= ChannelData.HEADER_LENGTH);
                frame.release();
            }
            assertTrue(framed <= input.length);
        } finally {
            channel.finishAndReleaseAll();
        }
    }
}
