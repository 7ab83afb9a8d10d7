package io.icemesh.stun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StunMessageCodecTest {

    private static final byte[] TX = new byte[12];

    @Test
    void packsAndUnpacksMethodAndClass() {
        int type = StunMessageType.of(StunMessageType.METHOD_ALLOCATE, StunMessageType.CLASS_ERROR);
        assertEquals(0x0113, type);
        assertEquals(StunMessageType.METHOD_ALLOCATE, StunMessageType.method(type));
        assertEquals(StunMessageType.CLASS_ERROR, StunMessageType.messageClass(type));
        assertEquals(0x0016, StunMessageType.of(StunMessageType.METHOD_SEND, StunMessageType.CLASS_INDICATION));
        assertEquals(0x0017, StunMessageType.DATA_INDICATION);
    }

    @Test
    void roundTripsSha256IntegrityAndErrorCode() {
        byte[] key = "key".getBytes(StandardCharsets.UTF_8);
        byte[] bytes = StunMessageBuilder.of(StunMessageType.errorOf(StunMessageType.of(3, 0)), TX)
                .addErrorCode(StunErrorCode.STALE_NONCE).addMessageIntegritySha256(key).addFingerprint().build();
        StunMessage m = StunMessageDecoder.decode(bytes);
        assertNotNull(m);
        assertEquals(438, ErrorCodeAttribute.codeOf(m));
        assertTrue(MessageIntegrity.verifySha256(m, key));
        assertFalse(MessageIntegrity.verifySha256(m, "other".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void roundTripsIpv6XorPeerAddress() {
        byte[] tx = new byte[12];
        new Random(1).nextBytes(tx);
        InetSocketAddress peer = new InetSocketAddress("2001:db8::7", 40000);
        StunMessage m = StunMessageDecoder.decode(StunMessageBuilder.of(StunMessageType.SEND_INDICATION, tx)
                .addXorAddress(StunAttributeType.XOR_PEER_ADDRESS, peer).build());
        assertEquals(peer, XorAddress.decode(m, StunAttributeType.XOR_PEER_ADDRESS));
    }

    @Test
    void refusesTruncatedAndOverlongAttributes() {
        byte[] ok = StunMessageBuilder.of(StunMessageType.BINDING_REQUEST, TX).addString(StunAttributeType.SOFTWARE, "x").build();
        assertNotNull(StunMessageDecoder.decode(ok));
        byte[] overlong = ok.clone();
        overlong[23] = 9;
        assertNull(StunMessageDecoder.decode(overlong), "attribute length past the end");
        assertNull(StunMessageDecoder.decode(ok, 0, ok.length - 4), "message length disagrees with datagram");
        byte[] badCookie = ok.clone();
        badCookie[4] = 0;
        assertNull(StunMessageDecoder.decode(badCookie));
        assertNull(StunMessageDecoder.decode(new byte[3]));
        assertNull(StunMessageDecoder.decode(null));
    }

    @Test
    void ignoresAttributesAfterIntegrityExceptFingerprint() {
        byte[] key = {1};
        byte[] signed = StunMessageBuilder.of(StunMessageType.BINDING_REQUEST, TX).addMessageIntegrity(key)
                .addString(StunAttributeType.SOFTWARE, "late").addFingerprint().build();
        StunMessage m = StunMessageDecoder.decode(signed);
        assertNotNull(m);
        assertFalse(m.has(StunAttributeType.SOFTWARE), "attributes after MESSAGE-INTEGRITY are ignored");
        assertTrue(MessageIntegrity.verifySha1(m, key));
    }

    @Test
    void refusesAttributeAfterFingerprint() {
        byte[] fp = StunMessageBuilder.of(StunMessageType.BINDING_REQUEST, TX).addFingerprint().build();
        byte[] withTail = java.util.Arrays.copyOf(fp, fp.length + 8);
        withTail[3] = (byte) (withTail.length - 20);
        withTail[fp.length + 1] = 0x22;
        withTail[fp.length] = (byte) 0x80;
        assertNull(StunMessageDecoder.decode(withTail));
    }

    @Test
    void channelDataHeaderChecks() {
        assertTrue(ChannelData.isValidChannel(0x4000));
        assertTrue(ChannelData.isValidChannel(0x4FFF));
        assertFalse(ChannelData.isValidChannel(0x5000));
        assertTrue(ChannelData.isLegacyChannel(0x7FFF), "RFC 5766 range");
        assertFalse(ChannelData.isLegacyChannel(0x8000));
        assertEquals(1, ChannelData.payloadLength(0x7FFF, 1, 5));
        assertEquals(-1, ChannelData.payloadLength(0x8000, 1, 5));
        assertFalse(ChannelData.isValidChannel(0x3FFF));
        assertEquals(5, ChannelData.payloadLength(0x4001, 5, 9));
        assertEquals(-1, ChannelData.payloadLength(0x4001, 6, 9), "declared length past the datagram");
        assertEquals(12, ChannelData.streamFrameLength(5));
        byte[] padded = ChannelData.encode(0x4001, new byte[] {1, 2, 3, 4, 5}, true);
        assertEquals(12, padded.length);
        assertEquals(9, ChannelData.encode(0x4001, new byte[] {1, 2, 3, 4, 5}, false).length);
    }
}
