package io.icemesh.loadgen;

import java.nio.charset.StandardCharsets;

/** RTP (RFC 3550) header fields and the RTCP packets the tool writes and reads (RFC 3550, RFC 4585, RFC 5104). */
final class Rtp {

    static final int HEADER = 12;
    static final int PT_SR = 200;
    static final int PT_RR = 201;
    static final int PT_SDES = 202;
    static final int PT_RTPFB = 205;
    static final int PT_PSFB = 206;
    static final int FMT_NACK = 1;
    static final int FMT_PLI = 1;
    static final int FMT_FIR = 4;

    private Rtp() {
    }

    /** RTP or RTCP by the first byte (RFC 7983): version 2. */
    static boolean isRtpOrRtcp(int firstByte) {
        return firstByte >= 128 && firstByte <= 191;
    }

    /** RTCP when the second byte is a payload type 192-223 (RFC 5761 section 4). */
    static boolean isRtcp(byte[] b, int off) {
        int pt = b[off + 1] & 0xFF;
        return pt >= 192 && pt <= 223;
    }

    static int ssrc(byte[] b, int off) {
        return readInt(b, off + 8);
    }

    static int sequence(byte[] b, int off) {
        return ((b[off + 2] & 0xFF) << 8) | (b[off + 3] & 0xFF);
    }

    static boolean marker(byte[] b, int off) {
        return (b[off + 1] & 0x80) != 0;
    }

    static int payloadType(byte[] b, int off) {
        return b[off + 1] & 0x7F;
    }

    /** The offset of the payload after the fixed header, CSRCs and any header extension; -1 if malformed. */
    static int payloadOffset(byte[] b, int off, int len) {
        int at = off + HEADER + 4 * (b[off] & 0x0F);
        if ((b[off] & 0x10) != 0) {
            if (at + 4 > off + len) {
                return -1;
            }
            at += 4 + 4 * (((b[at + 2] & 0xFF) << 8) | (b[at + 3] & 0xFF));
        }
        return at <= off + len ? at : -1;
    }

    /** The SSRC of the first RTCP packet's sender. */
    static int rtcpSenderSsrc(byte[] b, int off) {
        return readInt(b, off + 4);
    }

    static int writeHeader(byte[] b, int off, boolean marker, int pt, int seq, long timestamp, int ssrc) {
        b[off] = (byte) 0x80;
        b[off + 1] = (byte) ((marker ? 0x80 : 0) | pt);
        b[off + 2] = (byte) (seq >> 8);
        b[off + 3] = (byte) seq;
        writeInt(b, off + 4, (int) timestamp);
        writeInt(b, off + 8, ssrc);
        return HEADER;
    }

    /** A receiver report with one block per source, at {@code off}; returns its length. */
    static int receiverReport(byte[] b, int off, int sender, int[] sources, int[] extendedHighest, int[] lost) {
        int n = sources.length;
        b[off] = (byte) (0x80 | n);
        b[off + 1] = (byte) PT_RR;
        writeShort(b, off + 2, 1 + 6 * n);
        writeInt(b, off + 4, sender);
        int at = off + 8;
        for (int i = 0; i < n; i++) {
            writeInt(b, at, sources[i]);
            writeInt(b, at + 4, Math.min(lost[i], 0x7FFFFF)); // fraction 0, cumulative lost
            writeInt(b, at + 8, extendedHighest[i]);
            writeInt(b, at + 12, 0); // jitter
            writeInt(b, at + 16, 0); // LSR
            writeInt(b, at + 20, 0); // DLSR
            at += 24;
        }
        return at - off;
    }

    /** An SDES with the sender's CNAME; returns its length. */
    static int sdes(byte[] b, int off, int sender, String cname) {
        byte[] text = cname.getBytes(StandardCharsets.US_ASCII);
        int chunk = 4 + 2 + text.length;
        int padded = (chunk + 4) & ~3; // at least one null octet, then to a 32-bit boundary
        b[off] = (byte) 0x81;
        b[off + 1] = (byte) PT_SDES;
        writeShort(b, off + 2, padded / 4);
        writeInt(b, off + 4, sender);
        b[off + 8] = 1;
        b[off + 9] = (byte) text.length;
        System.arraycopy(text, 0, b, off + 10, text.length);
        for (int i = off + 10 + text.length; i < off + 4 + padded; i++) {
            b[i] = 0;
        }
        return 4 + padded;
    }

    /** A picture loss indication (RFC 4585 section 6.3.1); returns its length. */
    static int pli(byte[] b, int off, int sender, int media) {
        b[off] = (byte) (0x80 | FMT_PLI);
        b[off + 1] = (byte) PT_PSFB;
        writeShort(b, off + 2, 2);
        writeInt(b, off + 4, sender);
        writeInt(b, off + 8, media);
        return 12;
    }

    /** A generic NACK (RFC 4585 section 6.2.1) for {@code count} packets from {@code first}; returns its length. */
    static int nack(byte[] b, int off, int sender, int media, int first, int count) {
        int at = off + 12;
        int items = 0;
        int i = 0;
        while (i < count) {
            int pid = (first + i) & 0xFFFF;
            int blp = 0;
            int j = 1;
            for (; j <= 16 && i + j < count; j++) {
                blp |= 1 << (j - 1);
            }
            writeShort(b, at, pid);
            writeShort(b, at + 2, blp);
            at += 4;
            items++;
            i += j;
        }
        b[off] = (byte) (0x80 | FMT_NACK);
        b[off + 1] = (byte) PT_RTPFB;
        writeShort(b, off + 2, 2 + items);
        writeInt(b, off + 4, sender);
        writeInt(b, off + 8, media);
        return at - off;
    }

    static int readInt(byte[] b, int at) {
        return ((b[at] & 0xFF) << 24) | ((b[at + 1] & 0xFF) << 16) | ((b[at + 2] & 0xFF) << 8) | (b[at + 3] & 0xFF);
    }

    static void writeInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >> 24);
        b[at + 1] = (byte) (v >> 16);
        b[at + 2] = (byte) (v >> 8);
        b[at + 3] = (byte) v;
    }

    static void writeShort(byte[] b, int at, int v) {
        b[at] = (byte) (v >> 8);
        b[at + 1] = (byte) v;
    }
}
