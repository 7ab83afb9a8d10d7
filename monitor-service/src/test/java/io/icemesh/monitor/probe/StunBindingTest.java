package io.icemesh.monitor.probe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StunBindingTest {

    /** RFC 5769 section 2.2, "Sample IPv4 Response": XOR-MAPPED-ADDRESS 192.0.2.1:32853, with SOFTWARE, MESSAGE-INTEGRITY and FINGERPRINT. */
    private static final String RFC5769_IPV4_RESPONSE = "0101003c2112a442b7e7a701bc34d686fa87dfae"
            + "8022000b7465737420766563746f7220" + "002000080001a147e112a643"
            + "000800142b91f599fd9e90c38c7489f92af9ba53f06be7d7" + "80280004c07d4c96";

    /** RFC 5769 section 2.3, "Sample IPv6 Response": XOR-MAPPED-ADDRESS [2001:db8:1234:5678:11:2233:4455:6677]:32853. */
    private static final String RFC5769_IPV6_RESPONSE = "010100482112a442b7e7a701bc34d686fa87dfae"
            + "8022000b7465737420766563746f7220" + "002000140002a1470113a9faa5d3f179bc25f4b5bed2b9d9"
            + "00080014a382954e4be67bf11784c97c8292c275bfe3ed41" + "80280004c8fb0b4c";

    @Test
    void writesATwentyOctetBindingRequestWithTheCookieAndTransactionId() {
        byte[] request = StunBinding.request(new TransactionId(0x0102030405060708L, 0x090a0b0c));
        assertArrayEquals(HexFormat.of().parseHex("000100002112a442" + "0102030405060708090a0b0c"), request);
    }

    @Test
    void readsTheRfc5769Ipv4SampleResponse() {
        StunAnswer a = StunBinding.decode(ByteBuffer.wrap(HexFormat.of().parseHex(RFC5769_IPV4_RESPONSE)));
        assertEquals(StunAnswer.Kind.SUCCESS, a.kind());
        assertEquals(new TransactionId(0xb7e7a701bc34d686L, 0xfa87dfae), a.transactionId());
        assertEquals(new InetSocketAddress("192.0.2.1", 32853), a.mappedAddress());
    }

    @Test
    void readsTheRfc5769Ipv6SampleResponse() {
        StunAnswer a = StunBinding.decode(ByteBuffer.wrap(HexFormat.of().parseHex(RFC5769_IPV6_RESPONSE)));
        assertEquals(StunAnswer.Kind.SUCCESS, a.kind());
        assertEquals(new InetSocketAddress("2001:db8:1234:5678:11:2233:4455:6677", 32853), a.mappedAddress());
    }

    @Test
    void readsAnErrorResponseCode() {
        byte[] error = HexFormat.of().parseHex("011100082112a442" + "0102030405060708090a0b0c"
                + "00090004" + "00000401");
        StunAnswer a = StunBinding.decode(ByteBuffer.wrap(error));
        assertEquals(StunAnswer.Kind.ERROR, a.kind());
        assertEquals(401, a.errorCode());
    }

    @Test
    void requestsTruncationsAndWrongLengthsAreMalformed() {
        byte[] valid = HexFormat.of().parseHex(RFC5769_IPV4_RESPONSE);
        assertEquals(StunAnswer.Kind.MALFORMED,
                StunBinding.decode(ByteBuffer.wrap(StunBinding.request(TransactionId.random()))).kind(),
                "a request is not an answer");
        for (int cut = 0; cut < valid.length; cut++) {
            ByteBuffer truncated = ByteBuffer.wrap(valid, 0, cut);
            assertEquals(StunAnswer.Kind.MALFORMED, StunBinding.decode(truncated).kind(), "cut at " + cut);
        }
        byte[] badCookie = valid.clone();
        badCookie[4] ^= 1;
        assertEquals(StunAnswer.Kind.MALFORMED, StunBinding.decode(ByteBuffer.wrap(badCookie)).kind());
        byte[] badAttrLength = valid.clone();
        badAttrLength[23] = (byte) 0xff;
        assertEquals(StunAnswer.Kind.MALFORMED, StunBinding.decode(ByteBuffer.wrap(badAttrLength)).kind());
    }

    @Test
    void randomBytesNeverThrow() {
        Random random = new Random(8489);
        for (int i = 0; i < 20_000; i++) {
            byte[] junk = new byte[random.nextInt(120)];
            random.nextBytes(junk);
            if (junk.length >= 8 && random.nextBoolean()) {
                ByteBuffer.wrap(junk).putShort(0, (short) 0x0101).putInt(4, 0x2112A442)
                        .putShort(2, (short) Math.max(0, (junk.length - 20) & ~3));
            }
            StunAnswer a = StunBinding.decode(ByteBuffer.wrap(junk));
            if (a.kind() == StunAnswer.Kind.MALFORMED) {
                assertNull(a.transactionId());
            }
        }
    }
}
