package io.icemesh.media.rtcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The sender reports, receiver reports and REMB the SFU writes, read back by the total compound parser. */
class RtcpReportsTest {

    static final class Seen implements RtcpVisitor {
        final List<String> items = new ArrayList<>();

        @Override
        public void senderReport(int s, int n) {
            items.add("SR " + Integer.toHexString(s) + " " + n);
        }

        @Override
        public void senderInfo(int s, long ntp, long rtp, long packets, long octets) {
            items.add("INFO " + Long.toHexString(ntp) + " " + rtp + " " + packets + " " + octets);
        }

        @Override
        public void receiverReport(int s, int n) {
            items.add("RR " + Integer.toHexString(s) + " " + n);
        }

        @Override
        public void reportBlock(int reporter, int source, int fraction, int cumulative, long highest, long jitter,
                long lsr, long dlsr) {
            items.add("BLOCK " + Integer.toHexString(source) + " " + fraction + " " + cumulative + " " + highest + " "
                    + jitter + " " + Long.toHexString(lsr) + " " + dlsr);
        }

        @Override
        public void remb(int s, long bps, int n) {
            items.add("REMB " + bps + " " + n);
        }
    }

    private static List<String> parse(byte[] b, int n) {
        Seen seen = new Seen();
        assertEquals(RtcpCompound.Result.OK, RtcpCompound.parse(b, 0, n, seen));
        return seen.items;
    }

    @Test
    void senderReportRoundTrips() {
        byte[] b = new byte[64];
        int n = RtcpWriter.senderReport(b, 0, 0xCAFEBABE, 0xE1234567_89ABCDEFL, 0xFFFFFFF0L, 123, 45678);
        assertEquals(28, n);
        assertEquals(List.of("SR cafebabe 0", "INFO e123456789abcdef 4294967280 123 45678"), parse(b, n));
    }

    @Test
    void senderReportCountsWrapModulo2To32() {
        byte[] b = new byte[64];
        int n = RtcpWriter.senderReport(b, 0, 1, 0, 0, (1L << 32) + 5, (1L << 32) + 7);
        assertEquals(List.of("SR 1 0", "INFO 0 0 5 7"), parse(b, n));
    }

    @Test
    void receiverReportWithBlocksAndRembInOneCompound() {
        byte[] b = new byte[200];
        int at = RtcpWriter.receiverReportHeader(b, 0, 0x1CE3ED1A, 2);
        for (int i = 0; i < 2; i++) {
            ReceiveStatistics s = new ReceiveStatistics(90_000, 0);
            s.packet(10, 0, 0, false);
            s.packet(12 + i, 0, 0, false);
            at += s.writeReportBlock(0x100 + i, b, at, 0);
        }
        at += RtcpWriter.remb(b, at, 0x1CE3ED1A, 1_500_000, new int[] {0x100, 0x101}, 2);
        List<String> seen = parse(b, at);
        assertEquals("RR 1ce3ed1a 2", seen.get(0));
        assertEquals("BLOCK 100 85 1 12 0 0 0", seen.get(1), "1 of 3 lost: fraction 256/3");
        assertEquals("BLOCK 101 128 2 13 0 0 0", seen.get(2), "2 of 4 lost");
        assertTrue(seen.get(3).startsWith("REMB "), seen.toString());
        long bps = Long.parseLong(seen.get(3).split(" ")[1]);
        assertTrue(bps <= 1_500_000 && bps > 1_499_000, "REMB keeps 18 bits of mantissa: " + bps);
        assertEquals("2", seen.get(3).split(" ")[2]);
    }

    @Test
    void rembEncodesMantissaAndExponent() {
        byte[] b = new byte[64];
        int n = RtcpWriter.remb(b, 0, 1, 0x3FFFF, new int[] {7}, 1);
        assertEquals("8fce0005" + "00000001" + "00000000" + "52454d42" + "0103ffff" + "00000007",
                HexFormat.of().formatHex(b, 0, n));
        n = RtcpWriter.remb(b, 0, 1, 0x40000, new int[] {7}, 1);
        assertEquals("01" + "06" + "0000", HexFormat.of().formatHex(b, 16, 20), "0x40000 = 0x20000 << 1");
    }

    @Test
    void negativeCumulativeLossIsSignExtended() {
        byte[] b = HexFormat.of().parseHex("81c90007" + "00000001" + "00000002" + "00ffffff" + "00000010" + "00000000"
                + "00000000" + "00000000");
        assertEquals(List.of("RR 1 1", "BLOCK 2 0 -1 16 0 0 0"), parse(b, b.length));
    }

    @Test
    void truncatedAndRandomReportsAreRefusedNeverThrown() {
        byte[] b = new byte[200];
        int at = RtcpWriter.senderReport(b, 0, 1, 2, 3, 4, 5);
        at += RtcpWriter.receiverReportHeader(b, at, 9, 1);
        ReceiveStatistics s = new ReceiveStatistics(90_000, 0);
        s.packet(1, 0, 0, false);
        at += s.writeReportBlock(3, b, at, 0);
        for (int cut = 1; cut < at; cut++) {
            Seen seen = new Seen();
            RtcpCompound.Result r = RtcpCompound.parse(b, 0, cut, seen);
            if (cut != RtcpWriter.SR_LENGTH) {
                assertEquals(RtcpCompound.Result.MALFORMED, r, "cut at " + cut);
            }
        }
        SplittableRandom random = new SplittableRandom(3550);
        for (int i = 0; i < 50_000; i++) {
            byte[] junk = new byte[random.nextInt(0, 120)];
            random.nextBytes(junk);
            if (junk.length > 1) {
                junk[0] = (byte) (0x80 | (junk[0] & 0x3F));
                junk[1] = (byte) (200 + random.nextInt(8));
            }
            RtcpCompound.parse(junk, 0, junk.length, new Seen());
        }
    }
}
