package io.icemesh.media.rtp;

/**
 * What a datagram on the shared media port carries, told by its first byte (RFC 7983 section 7) and, for RTP versus
 * RTCP, by its second byte (RFC 5761 section 4: RTCP packet types 192-223 never collide with RTP payload types
 * since payload types 64-95 are not used). Total: every input gets a class, short input is {@link #UNKNOWN}.
 */
public enum PacketClass {
    /** STUN (first byte 0-3). */
    STUN,
    /** DTLS record (first byte 20-63). */
    DTLS,
    /** RTP (first byte 128-191, second byte outside 192-223). */
    RTP,
    /** RTCP (first byte 128-191, second byte 192-223). */
    RTCP,
    /** Anything else, or too short to be what its first byte says. */
    UNKNOWN;

    /** Smallest STUN message: the 20-byte header (RFC 8489 section 5). */
    public static final int STUN_HEADER = 20;
    /** Smallest DTLS record: the 13-byte record header (RFC 6347 section 4.1). */
    public static final int DTLS_RECORD_HEADER = 13;
    /** Smallest RTP packet: the 12-byte fixed header (RFC 3550 section 5.1). */
    public static final int RTP_HEADER = 12;
    /** Smallest RTCP packet: 4-byte header plus sender SSRC (RFC 3550 section 6.4.2, an empty RR). */
    public static final int RTCP_MIN = 8;

    /** Classifies {@code length} bytes of {@code buf} from {@code offset}. */
    public static PacketClass of(byte[] buf, int offset, int length) {
        if (buf == null || offset < 0 || length < 1 || offset > buf.length - length) {
            return UNKNOWN;
        }
        int first = buf[offset] & 0xFF;
        if (first <= 3) {
            return length >= STUN_HEADER ? STUN : UNKNOWN;
        }
        if (first >= 20 && first <= 63) {
            return length >= DTLS_RECORD_HEADER ? DTLS : UNKNOWN;
        }
        if (first >= 128 && first <= 191) {
            if (length < 2) {
                return UNKNOWN;
            }
            int second = buf[offset + 1] & 0xFF;
            if (second >= 192 && second <= 223) {
                return length >= RTCP_MIN ? RTCP : UNKNOWN;
            }
            return length >= RTP_HEADER ? RTP : UNKNOWN;
        }
        return UNKNOWN;
    }
}
