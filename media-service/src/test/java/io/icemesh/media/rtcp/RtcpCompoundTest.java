package io.icemesh.media.rtcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class RtcpCompoundTest {

    /** Records what a walk saw. */
    static final class Recorder implements RtcpVisitor {
        final List<String> seen = new ArrayList<>();

        @Override
        public void senderReport(int s, int n) {
            seen.add("SR " + Integer.toHexString(s) + " " + n);
        }

        @Override
        public void receiverReport(int s, int n) {
            seen.add("RR " + Integer.toHexString(s) + " " + n);
        }

        @Override
        public void pli(int s, int m) {
            seen.add("PLI " + Integer.toHexString(m));
        }

        @Override
        public void fir(int s, int t, int seq) {
            seen.add("FIR " + Integer.toHexString(t) + " " + seq);
        }

        @Override
        public void nack(int s, int m, int pid, int blp) {
            seen.add("NACK " + Integer.toHexString(m) + " " + pid + " " + Integer.toHexString(blp));
        }

        @Override
        public void remb(int s, long bps, int n) {
            seen.add("REMB " + bps + " " + n);
        }

        @Override
        public void transportCc(int s, int m) {
            seen.add("TWCC " + Integer.toHexString(m));
        }

        @Override
        public void other(int pt, int fmt, int off, int len) {
            seen.add("OTHER " + pt + " " + len);
        }
    }

    private static List<String> walk(String hex, RtcpCompound.Result expected) {
        byte[] b = HexFormat.of().parseHex(hex);
        Recorder r = new Recorder();
        assertEquals(expected, RtcpCompound.parse(b, 0, b.length, r));
        return r.seen;
    }

    @Test
    void readsAChromeStyleCompoundOfRrSdesAndFeedback() {
        String rr = "81c90007" + "00000001" + "deadbeef" + "00000000" + "00001234" + "00000010" + "00000000" + "00000000";
        String sdes = "81ca0002" + "00000001" + "01000000";
        String pli = "81ce0002" + "00000001" + "deadbeef";
        String fir = "84ce0004" + "00000001" + "00000000" + "deadbeef" + "07000000";
        String nack = "81cd0003" + "00000001" + "deadbeef" + "00640005";
        List<String> seen = walk(rr + sdes + pli + fir + nack, RtcpCompound.Result.OK);
        assertEquals(List.of("RR 1 1", "OTHER 202 12", "PLI deadbeef", "FIR deadbeef 7", "NACK deadbeef 100 5"), seen);
    }

    @Test
    void readsSenderReportRembAndTransportCc() {
        String sr = "80c80006" + "00000002" + "0000000000000000" + "00000000" + "00000005" + "00000100";
        // REMB: 1 SSRC, exp 4, mantissa 0x3e80 -> 16000 << 4 = 256000 bps
        String remb = "8fce0005" + "00000002" + "00000000" + "52454d42" + "01103e80" + "deadbeef";
        String twcc = "8fcd0004" + "00000002" + "deadbeef" + "00010002" + "00000100";
        List<String> seen = walk(sr + remb + twcc, RtcpCompound.Result.OK);
        assertEquals(List.of("SR 2 0", "REMB 256000 1", "TWCC deadbeef"), seen);
    }

    @Test
    void stopsAtTheFirstMalformedPacketAfterVisitingTheGoodOnes() {
        String pli = "81ce0002" + "00000001" + "deadbeef";
        assertEquals(List.of("PLI deadbeef"), walk(pli + "81ce0009" + "00000001", RtcpCompound.Result.MALFORMED));
        assertEquals(List.of(), walk("41c90001" + "00000001", RtcpCompound.Result.MALFORMED), "version 1");
        assertEquals(List.of(), walk("82c90001" + "00000001", RtcpCompound.Result.MALFORMED), "2 report blocks in 8 bytes");
        assertEquals(List.of(), walk("81cd0003" + "00000001" + "deadbeef" + "0064", RtcpCompound.Result.MALFORMED));
        assertEquals(List.of(), walk("a1c90001" + "000000ff", RtcpCompound.Result.MALFORMED), "padding past the packet");
        assertEquals(List.of(), walk("80c9", RtcpCompound.Result.MALFORMED));
    }

    @Test
    void writesAPliCompoundThatReadsBack() {
        byte[] b = new byte[32];
        int n = RtcpWriter.pliCompound(b, 0, 0x1CE3ED1A, 0xdeadbeef);
        Recorder r = new Recorder();
        assertEquals(RtcpCompound.Result.OK, RtcpCompound.parse(b, 0, n, r));
        assertEquals(List.of("RR 1ce3ed1a 0", "PLI deadbeef"), r.seen);
    }

    @Test
    void writesANackCompoundThatReadsBack() {
        byte[] b = new byte[32];
        int n = RtcpWriter.nackCompound(b, 0, 0x1CE3ED1A, 0xdeadbeef, 65535, 0x8001);
        Recorder r = new Recorder();
        assertEquals(RtcpCompound.Result.OK, RtcpCompound.parse(b, 0, n, r));
        assertEquals(List.of("RR 1ce3ed1a 0", "NACK deadbeef 65535 8001"), r.seen);
    }
}
