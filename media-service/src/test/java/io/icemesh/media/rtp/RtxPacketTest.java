package io.icemesh.media.rtp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RtxPacketTest {

    /** VP8 packet: marker, PT 96, seq 0x1234, ts 0x01020304, SSRC 0xAABBCCDD, one-byte extension block, payload. */
    private static final String ORIGINAL = "90e01234" + "01020304" + "aabbccdd" + "bede0001" + "22123456"
            + "1011121314151617";

    @Test
    void wrapsPerRfc4588WithOsnFirstAndNoExtension() {
        byte[] src = HexFormat.of().parseHex(ORIGINAL);
        byte[] dst = new byte[100];
        int n = RtxPacket.wrap(src, 0, src.length, dst, 0, 97, 0x11223344, 0x0001);
        assertEquals(12 + 2 + 8, n);
        assertEquals("80e10001" + "01020304" + "11223344" + "1234" + "1011121314151617",
                HexFormat.of().formatHex(dst, 0, n), "X bit cleared, marker kept, RTX PT/seq/SSRC, OSN, payload");
    }

    @Test
    void wrapDropsTheOriginalsPadding() {
        // P bit, payload 2 bytes then 3 bytes of padding (last byte says 3).
        byte[] src = HexFormat.of().parseHex("a0600005" + "00000001" + "00000002" + "abcd" + "000003");
        byte[] dst = new byte[64];
        int n = RtxPacket.wrap(src, 0, src.length, dst, 0, 97, 9, 7);
        assertEquals("80610007" + "00000001" + "00000009" + "0005" + "abcd", HexFormat.of().formatHex(dst, 0, n));
    }

    @Test
    void unwrapRestoresTheOriginal() {
        byte[] src = HexFormat.of().parseHex(ORIGINAL);
        byte[] rtx = new byte[100];
        int n = RtxPacket.wrap(src, 0, src.length, rtx, 0, 97, 0x11223344, 0xFFFF);
        int m = RtxPacket.unwrap(rtx, 0, n, 96, 0xAABBCCDD);
        assertEquals("80e01234" + "01020304" + "aabbccdd" + "1011121314151617", HexFormat.of().formatHex(rtx, 0, m));
    }

    @Test
    void unwrapOfPaddingOnlyProbesRecoversNothing() {
        // Chrome's RTX padding: P bit, no payload but padding (here 4 bytes).
        byte[] probe = HexFormat.of().parseHex("a0610009" + "00000001" + "11223344" + "00000004");
        assertEquals(RtxPacket.PADDING_ONLY, RtxPacket.unwrap(probe, 0, probe.length, 96, 1));
        byte[] empty = HexFormat.of().parseHex("80610009" + "00000001" + "11223344" + "aa");
        assertEquals(RtxPacket.PADDING_ONLY, RtxPacket.unwrap(empty, 0, empty.length, 96, 1), "one byte is no OSN");
    }

    @Test
    void unwrapKeepsTheRtxPacketsExtensionAndDropsItsPadding() {
        byte[] rtx = HexFormat.of().parseHex("b0610009" + "00000001" + "11223344" + "bede0001" + "22010203" + "0042"
                + "cafe" + "0002");
        int m = RtxPacket.unwrap(rtx, 0, rtx.length, 96, 5);
        assertEquals("90600042" + "00000001" + "00000005" + "bede0001" + "22010203" + "cafe",
                HexFormat.of().formatHex(rtx, 0, m));
    }

    @Test
    void malformedInputIsRefusedNeverThrown() {
        SplittableRandom r = new SplittableRandom(4588);
        byte[] dst = new byte[2000];
        for (int i = 0; i < 20_000; i++) {
            byte[] b = new byte[r.nextInt(0, 60)];
            r.nextBytes(b);
            if (b.length > 0 && r.nextBoolean()) {
                b[0] = (byte) (0x80 | (b[0] & 0x3F));
            }
            byte[] copy = b.clone();
            int n = RtxPacket.unwrap(copy, 0, copy.length, 96, 1);
            assertTrue(n >= RtxPacket.MALFORMED && n <= b.length);
            int w = RtxPacket.wrap(b, 0, b.length, dst, 0, 97, 2, 3);
            assertTrue(w >= RtxPacket.MALFORMED && w <= b.length + 2);
        }
        assertEquals(RtxPacket.MALFORMED, RtxPacket.unwrap(new byte[11], 0, 11, 96, 1));
        byte[] src = HexFormat.of().parseHex(ORIGINAL);
        assertEquals(RtxPacket.MALFORMED, RtxPacket.wrap(src, 0, src.length, new byte[10], 0, 97, 1, 1),
                "too small a destination");
    }

    @Test
    void absSendTimeReplacesTheHeaderExtension() {
        byte[] src = HexFormat.of().parseHex(ORIGINAL);
        int header = RtpPacket.headerLength(src, 0, src.length);
        byte[] dst = new byte[100];
        int n = AbsSendTime.copyWithOnly(src, 0, src.length, header, dst, 0, 2, 0xABCDEF);
        assertEquals("90e01234" + "01020304" + "aabbccdd" + "bede0001" + "22abcdef" + "1011121314151617",
                HexFormat.of().formatHex(dst, 0, n));
        int[] seen = new int[2];
        assertEquals(1, RtpHeaderExtensions.forEach(dst, 0, n, (id, off, len) -> {
            seen[0] = id;
            seen[1] = len;
        }));
        assertArrayEquals(new int[] {2, 3}, seen);
        int m = AbsSendTime.copyWithOnly(src, 0, src.length, header, dst, 0, 0, 0);
        assertEquals("80e01234" + "01020304" + "aabbccdd" + "1011121314151617", HexFormat.of().formatHex(dst, 0, m),
                "id 0: no extension at all");
        assertEquals(-1, AbsSendTime.copyWithOnly(src, 0, src.length, header, new byte[20], 0, 2, 0));
    }

    @Test
    void absSendTimeIsSixPointEighteenSecondsWrappingAt64() {
        assertEquals(0, AbsSendTime.of(0));
        assertEquals(1 << 18, AbsSendTime.of(1_000_000_000L));
        assertEquals(1 << 17, AbsSendTime.of(500_000_000L));
        assertEquals(AbsSendTime.of(3_000_000_000L), AbsSendTime.of(67_000_000_000L));
        assertEquals(0xFFFFFF, AbsSendTime.of(-1), "just before a wrap");
        assertTrue(Arrays.stream(new long[] {Long.MAX_VALUE, Long.MIN_VALUE})
                .allMatch(t -> AbsSendTime.of(t) >= 0 && AbsSendTime.of(t) <= 0xFFFFFF));
    }
}
