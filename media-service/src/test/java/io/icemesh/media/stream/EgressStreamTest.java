package io.icemesh.media.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class EgressStreamTest {

    private static final long MS = 1_000_000L;

    /** 80 kbit/s = 10,000 bytes/s; burst max(6,000, 2,500) = 6,000 bytes; one resend per packet per 50 ms. */
    private static EgressStream stream() {
        return new EgressStream(null, 1, new RetransmissionLimits(64, 1_000 * MS, 80_000, 50 * MS), 64, 0);
    }

    @Test
    void aPacketIsResentAtMostOncePerInterval() {
        EgressStream s = stream();
        assertTrue(s.claimRetransmission(100, 1000, 0));
        assertFalse(s.claimRetransmission(100, 1000, 49 * MS), "a repeated NACK within the interval");
        assertTrue(s.claimRetransmission(101, 1000, 49 * MS), "another packet is not held back");
        assertTrue(s.claimRetransmission(100, 1000, 50 * MS));
    }

    @Test
    void retransmittedBytesStayWithinTheRate() {
        EgressStream s = stream();
        int sent = 0;
        for (int seq = 0; seq < 20; seq++) {
            if (s.claimRetransmission(seq, 1000, 0)) {
                sent++;
            }
        }
        assertEquals(6, sent, "the burst allows 6,000 bytes at once");
        assertFalse(s.claimRetransmission(50, 1000, 50 * MS), "500 bytes refilled in 50 ms");
        assertTrue(s.claimRetransmission(51, 1000, 100 * MS), "1,000 bytes refilled in 100 ms");
    }

    @Test
    void rttComesFromAReceiverReportEchoingTheLastSenderReport() {
        EgressStream s = stream();
        assertEquals(-1, s.receiverReport(0x1234, 0, 10 * MS), "no SR sent yet");
        s.senderReportSent(0x1234, 1_000 * MS);
        assertEquals(-1, s.receiverReport(0x9999, 0, 1_100 * MS), "echoes another SR");
        // Arrives 300 ms after the SR, of which the subscriber held it 200 ms (13107.2 units of 1/65536 s).
        long rtt = s.receiverReport(0x1234, 13_107, 1_300 * MS);
        assertEquals(100 * MS, rtt, 0.1 * MS);
        assertEquals(rtt, s.rttNanos());
    }

    @Test
    void countsWhatWasSentAndNumbersRtxOnItsOwn() {
        EgressStream s = stream();
        s.sent(100);
        s.sent(50);
        assertEquals(2, s.packetsSent());
        assertEquals(150, s.octetsSent());
        int first = s.nextRtxSequence();
        assertEquals((first + 1) & 0xFFFF, s.nextRtxSequence());
    }
}
