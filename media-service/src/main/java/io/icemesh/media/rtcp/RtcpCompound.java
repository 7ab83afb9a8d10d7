package io.icemesh.media.rtcp;

import io.icemesh.media.rtp.RtpPacket;

/**
 * A total parser of RTCP compound packets (RFC 3550 section 6.1) that walks the packets in place and hands each to an
 * {@link RtcpVisitor}. It checks every length before reading; a malformed compound stops the walk and the result says
 * so, after the well-formed packets before it were visited (they are genuine: SRTCP authenticated the whole compound).
 */
public final class RtcpCompound {

    /** RTCP common header: V, P, count/format, packet type, length in 32-bit words minus one. */
    public static final int HEADER = 4;
    /** Feedback header: common header, sender SSRC, media SSRC (RFC 4585 section 6.1). */
    public static final int FEEDBACK_HEADER = 12;
    /** One report block (RFC 3550 section 6.4.1). */
    public static final int REPORT_BLOCK = 24;
    /** Sender info: NTP timestamp, RTP timestamp, packet and octet counts (RFC 3550 section 6.4.1). */
    public static final int SENDER_INFO = 20;
    /** "REMB" in ASCII, the unique identifier of draft-alvestrand-rmcat-remb-03 section 2.2. */
    static final int REMB_ID = 0x52454D42;

    private RtcpCompound() {
    }

    /** Outcome of a walk. */
    public enum Result {
        /** Every packet was framed correctly and visited. */
        OK,
        /** A packet was malformed; those before it were visited. */
        MALFORMED
    }

    /** Walks {@code length} bytes from {@code offset}; never throws on any input. */
    public static Result parse(byte[] buf, int offset, int length, RtcpVisitor visitor) {
        if (buf == null || offset < 0 || length < HEADER || offset > buf.length - length) {
            return Result.MALFORMED;
        }
        int pos = offset;
        int end = offset + length;
        while (pos < end) {
            if (end - pos < HEADER) {
                return Result.MALFORMED;
            }
            int b0 = buf[pos] & 0xFF;
            if ((b0 >>> 6) != 2) {
                return Result.MALFORMED;
            }
            int count = b0 & 0x1F;
            int type = buf[pos + 1] & 0xFF;
            int size = 4 * ((((buf[pos + 2] & 0xFF) << 8) | (buf[pos + 3] & 0xFF)) + 1);
            if (size > end - pos) {
                return Result.MALFORMED;
            }
            int body = size;
            if ((b0 & 0x20) != 0) {
                int padding = buf[pos + size - 1] & 0xFF;
                if (padding == 0 || padding > size - HEADER) {
                    return Result.MALFORMED;
                }
                body = size - padding;
            }
            if (!visit(buf, pos, body, type, count, visitor)) {
                return Result.MALFORMED;
            }
            pos += size;
        }
        return Result.OK;
    }

    private static boolean visit(byte[] buf, int pos, int size, int type, int count, RtcpVisitor visitor) {
        switch (type) {
            case RtcpType.SR: {
                if (size < HEADER + 4 + SENDER_INFO + count * REPORT_BLOCK) {
                    return false;
                }
                int sender = RtpPacket.ssrc32(buf, pos + 4);
                visitor.senderReport(sender, count);
                int info = pos + HEADER + 4;
                long ntp = (RtpPacket.readUint32(buf, info) << 32) | RtpPacket.readUint32(buf, info + 4);
                visitor.senderInfo(sender, ntp, RtpPacket.readUint32(buf, info + 8), RtpPacket.readUint32(buf, info + 12),
                        RtpPacket.readUint32(buf, info + 16));
                reportBlocks(buf, info + SENDER_INFO, sender, count, visitor);
                return true;
            }
            case RtcpType.RR: {
                if (size < HEADER + 4 + count * REPORT_BLOCK) {
                    return false;
                }
                int sender = RtpPacket.ssrc32(buf, pos + 4);
                visitor.receiverReport(sender, count);
                reportBlocks(buf, pos + HEADER + 4, sender, count, visitor);
                return true;
            }
            case RtcpType.RTPFB:
                return transportFeedback(buf, pos, size, count, visitor);
            case RtcpType.PSFB:
                return payloadFeedback(buf, pos, size, count, visitor);
            default:
                visitor.other(type, count, pos, size);
                return true;
        }
    }

    private static void reportBlocks(byte[] buf, int at, int reporter, int count, RtcpVisitor visitor) {
        for (int i = 0; i < count; i++, at += REPORT_BLOCK) {
            int cumulative = ((buf[at + 5] & 0xFF) << 16) | ((buf[at + 6] & 0xFF) << 8) | (buf[at + 7] & 0xFF);
            visitor.reportBlock(reporter, RtpPacket.ssrc32(buf, at), buf[at + 4] & 0xFF, (cumulative << 8) >> 8,
                    RtpPacket.readUint32(buf, at + 8), RtpPacket.readUint32(buf, at + 12),
                    RtpPacket.readUint32(buf, at + 16), RtpPacket.readUint32(buf, at + 20));
        }
    }

    private static boolean transportFeedback(byte[] buf, int pos, int size, int fmt, RtcpVisitor visitor) {
        if (size < FEEDBACK_HEADER) {
            return false;
        }
        int sender = RtpPacket.ssrc32(buf, pos + 4);
        int media = RtpPacket.ssrc32(buf, pos + 8);
        if (fmt == RtcpType.FMT_NACK) {
            if ((size - FEEDBACK_HEADER) % 4 != 0) {
                return false;
            }
            for (int at = pos + FEEDBACK_HEADER; at + 4 <= pos + size; at += 4) {
                int pid = ((buf[at] & 0xFF) << 8) | (buf[at + 1] & 0xFF);
                int blp = ((buf[at + 2] & 0xFF) << 8) | (buf[at + 3] & 0xFF);
                visitor.nack(sender, media, pid, blp);
            }
            return true;
        }
        if (fmt == RtcpType.FMT_TWCC) {
            visitor.transportCc(sender, media);
            return true;
        }
        visitor.other(RtcpType.RTPFB, fmt, pos, size);
        return true;
    }

    private static boolean payloadFeedback(byte[] buf, int pos, int size, int fmt, RtcpVisitor visitor) {
        if (size < FEEDBACK_HEADER) {
            return false;
        }
        int sender = RtpPacket.ssrc32(buf, pos + 4);
        int media = RtpPacket.ssrc32(buf, pos + 8);
        switch (fmt) {
            case RtcpType.FMT_PLI:
                visitor.pli(sender, media);
                return true;
            case RtcpType.FMT_FIR: {
                // RFC 5104 section 4.3.1.1: FCI entries of SSRC, seq nr, 3 reserved bytes.
                if ((size - FEEDBACK_HEADER) % 8 != 0) {
                    return false;
                }
                for (int at = pos + FEEDBACK_HEADER; at + 8 <= pos + size; at += 8) {
                    visitor.fir(sender, RtpPacket.ssrc32(buf, at), buf[at + 4] & 0xFF);
                }
                return true;
            }
            case RtcpType.FMT_AFB: {
                int fci = pos + FEEDBACK_HEADER;
                if (size >= FEEDBACK_HEADER + 8 && RtpPacket.ssrc32(buf, fci) == REMB_ID) {
                    int ssrcCount = buf[fci + 4] & 0xFF;
                    int exp = (buf[fci + 5] & 0xFF) >>> 2;
                    long mantissa = ((buf[fci + 5] & 0x03L) << 16) | ((buf[fci + 6] & 0xFF) << 8) | (buf[fci + 7] & 0xFF);
                    if (size < FEEDBACK_HEADER + 8 + 4 * ssrcCount) {
                        return false;
                    }
                    long bitrate = exp > 46 ? Long.MAX_VALUE : mantissa << exp;
                    if (exp <= 46 && bitrate < 0) {
                        bitrate = Long.MAX_VALUE;
                    }
                    visitor.remb(sender, bitrate, ssrcCount);
                    return true;
                }
                visitor.other(RtcpType.PSFB, fmt, pos, size);
                return true;
            }
            default:
                visitor.other(RtcpType.PSFB, fmt, pos, size);
                return true;
        }
    }
}
