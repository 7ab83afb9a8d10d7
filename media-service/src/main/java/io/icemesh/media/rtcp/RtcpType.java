package io.icemesh.media.rtcp;

/** RTCP packet types this SFU tells apart (RFC 3550 section 12.1, RFC 4585 section 6.1, RFC 5104). */
public final class RtcpType {
    /** Sender report (RFC 3550 section 6.4.1). */
    public static final int SR = 200;
    /** Receiver report (RFC 3550 section 6.4.2). */
    public static final int RR = 201;
    /** Source description (RFC 3550 section 6.5). */
    public static final int SDES = 202;
    /** Goodbye (RFC 3550 section 6.6). */
    public static final int BYE = 203;
    /** Application-defined (RFC 3550 section 6.7). */
    public static final int APP = 204;
    /** Transport-layer feedback (RFC 4585 section 6.2): generic NACK fmt 1, transport-cc fmt 15. */
    public static final int RTPFB = 205;
    /** Payload-specific feedback (RFC 4585 section 6.3): PLI fmt 1, FIR fmt 4 (RFC 5104), REMB as AFB fmt 15. */
    public static final int PSFB = 206;
    /** Extended report (RFC 3611). */
    public static final int XR = 207;

    /** Generic NACK, RTPFB format (RFC 4585 section 6.2.1). */
    public static final int FMT_NACK = 1;
    /** Transport-wide congestion control feedback, RTPFB format (draft-holmer-rmcat-transport-wide-cc-extensions-01). */
    public static final int FMT_TWCC = 15;
    /** Picture loss indication, PSFB format (RFC 4585 section 6.3.1). */
    public static final int FMT_PLI = 1;
    /** Full intra request, PSFB format (RFC 5104 section 4.3.1). */
    public static final int FMT_FIR = 4;
    /** Application layer feedback, PSFB format (RFC 4585 section 6.3.3); REMB rides in it with "REMB". */
    public static final int FMT_AFB = 15;

    private RtcpType() {
    }
}
