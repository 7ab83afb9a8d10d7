package io.icemesh.media.rtcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReceiveStatisticsTest {

    private static final long MS = 1_000_000L;

    /** Parses the block back through the total RTCP parser, as a receiver of the SFU's RR would. */
    private static List<long[]> blocks(byte[] report, int length) {
        List<long[]> out = new ArrayList<>();
        RtcpCompound.Result r = RtcpCompound.parse(report, 0, length, new RtcpVisitor() {
            @Override
            public void reportBlock(int reporter, int source, int fraction, int cumulative, long highest, long jitter,
                    long lsr, long dlsr) {
                out.add(new long[] {source, fraction, cumulative, highest, jitter, lsr, dlsr});
            }
        });
        assertEquals(RtcpCompound.Result.OK, r);
        return out;
    }

    private static long[] report(ReceiveStatistics s, long now) {
        byte[] buf = new byte[64];
        int n = s.writeReportBlock(0x1234, buf, RtcpWriter.EMPTY_RR_LENGTH, now);
        assertEquals(ReceiveStatistics.BLOCK_LENGTH, n);
        RtcpWriter.receiverReportHeader(buf, 0, 0x5555, 1);
        List<long[]> b = blocks(buf, RtcpWriter.EMPTY_RR_LENGTH + n);
        assertEquals(1, b.size());
        return b.get(0);
    }

    @Test
    void nothingToReportBeforeTheFirstPacket() {
        assertEquals(0, new ReceiveStatistics(90_000, 0).writeReportBlock(1, new byte[64], 0, 0));
    }

    @Test
    void countsLossFractionPerIntervalAndCumulatively() {
        ReceiveStatistics s = new ReceiveStatistics(90_000, 0);
        // 100..199 with every 10th missing: 90 of 100.
        for (int seq = 100; seq < 200; seq++) {
            if (seq % 10 != 5) {
                s.packet(seq, seq * 3000L, seq * 33 * MS, false);
            }
        }
        long[] first = report(s, 0);
        assertEquals(0x1234, first[0]);
        assertEquals((10 << 8) / 99, first[1], "fraction lost: 10 of 99 expected (199 - 100 + 1 = 100, last is 199)");
        assertEquals(10, first[2]);
        assertEquals(199, first[3]);
        // The next interval has no loss: fraction 0, cumulative unchanged.
        for (int seq = 200; seq < 250; seq++) {
            s.packet(seq, seq * 3000L, seq * 33 * MS, false);
        }
        long[] second = report(s, 0);
        assertEquals(0, second[1]);
        assertEquals(10, second[2]);
        assertEquals(249, second[3]);
    }

    @Test
    void aRetransmissionFillsTheGap() {
        ReceiveStatistics s = new ReceiveStatistics(90_000, 0);
        s.packet(1, 0, 0, false);
        s.packet(3, 0, 0, false);
        assertEquals(1, s.cumulativeLost());
        s.packet(2, 0, 0, true);
        assertEquals(0, s.cumulativeLost());
    }

    @Test
    void extendedHighestSequenceCountsWraps() {
        ReceiveStatistics s = new ReceiveStatistics(90_000, 0);
        for (int i = 65530; i < 65546; i++) {
            s.packet(i & 0xFFFF, 0, 0, false);
        }
        assertEquals(65536 + 9, s.extendedHighest());
        assertEquals(0, s.cumulativeLost());
        s.packet(65534, 0, 0, false);
        assertEquals(65536 + 9, s.extendedHighest(), "a late packet from before the wrap does not move the highest");
    }

    @Test
    void aStrayJumpIsIgnoredButTwoInARowRestartTheSequence() {
        ReceiveStatistics s = new ReceiveStatistics(90_000, 0);
        for (int i = 0; i < 10; i++) {
            s.packet(i, 0, 0, false);
        }
        s.packet(30_000, 0, 0, false);
        assertEquals(9, s.extendedHighest());
        assertEquals(10, s.received());
        s.packet(30_001, 0, 0, false);
        assertEquals(30_001, s.extendedHighest());
        assertEquals(1, s.received());
    }

    @Test
    void jitterFollowsRfc3550() {
        ReceiveStatistics s = new ReceiveStatistics(90_000, 0);
        // Packets 3000 ticks (33.3 ms) apart arriving alternately 0 and 10 ms late: |D| = 900 ticks each time.
        for (int i = 0; i < 400; i++) {
            long arrival = i * 100_000_000L / 3 + (i % 2 == 0 ? 0 : 10 * MS);
            s.packet(i, i * 3000L, arrival, false);
        }
        assertEquals(900, s.jitter(), 20.0, "J converges to |D| = 900");
        ReceiveStatistics steady = new ReceiveStatistics(90_000, 0);
        for (int i = 0; i < 100; i++) {
            steady.packet(i, i * 3000L, i * 100_000_000L / 3, false);
        }
        assertEquals(0, steady.jitter(), 1.0, "no jitter on a steady path");
    }

    @Test
    void lsrAndDlsrComeFromTheLastSenderReport() {
        ReceiveStatistics s = new ReceiveStatistics(90_000, 0);
        s.packet(1, 0, 0, false);
        long ntp = 0x1122334455667788L;
        s.senderReport(new SenderClock(ntp, 0, 1_000 * MS));
        long[] b = report(s, 1_500 * MS);
        assertEquals(0x33445566L, b[5]);
        assertEquals(32768, b[6], "500 ms in 1/65536 s");
    }
}
