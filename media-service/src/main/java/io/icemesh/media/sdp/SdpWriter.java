package io.icemesh.media.sdp;

import io.icemesh.media.dtls.Fingerprint;
import io.icemesh.media.rtp.AbsSendTime;
import java.util.List;

/**
 * Writes the SFU's SDP: answers to a client's first offer and the SFU's renegotiation offers, unified plan, one
 * BUNDLE group over every accepted section, rtcp-mux, ICE credentials and candidates, and the DTLS fingerprint
 * (RFC 8829 sections 5.2 and 5.3, RFC 8843, RFC 8842).
 */
public final class SdpWriter {

    /** The origin's session id; any stable number (RFC 8866 section 5.2). */
    private final long sessionId;

    public SdpWriter(long sessionId) {
        this.sessionId = sessionId & Long.MAX_VALUE;
    }

    /**
     * @param version the origin's version: it grows with every description this side sends
     * @param setup {@code passive} in answers (the SFU is DTLS server), {@code actpass} in offers (RFC 8842 section 5.2)
     * @param candidateLines the a=candidate values, without the prefix
     */
    public String write(long version, String ufrag, String pwd, Fingerprint fingerprint, String setup,
            List<String> candidateLines, List<MediaLine> lines) {
        return write(version, ufrag, pwd, fingerprint, setup, candidateLines, lines, ExtensionMap.ABS_SEND_TIME_ID);
    }

    /**
     * @param absSendTimeId the id of abs-send-time in the sections the SFU sends video in; 0 for none (an answer may
     *     only map extensions the offer mapped, with the offer's id)
     */
    public String write(long version, String ufrag, String pwd, Fingerprint fingerprint, String setup,
            List<String> candidateLines, List<MediaLine> lines, int absSendTimeId) {
        StringBuilder sb = new StringBuilder(2048);
        sb.append("v=0\r\n");
        sb.append("o=icemesh-media ").append(sessionId).append(' ').append(version).append(" IN IP4 0.0.0.0\r\n");
        sb.append("s=-\r\n");
        sb.append("t=0 0\r\n");
        StringBuilder bundle = new StringBuilder("a=group:BUNDLE");
        for (MediaLine l : lines) {
            if (!l.rejected()) {
                bundle.append(' ').append(l.mid());
            }
        }
        sb.append(bundle).append("\r\n");
        sb.append("a=msid-semantic: WMS *\r\n");
        boolean first = true;
        for (MediaLine l : lines) {
            if (l.rejected()) {
                sb.append("m=").append(l.kind()).append(" 0 ").append(l.protocol()).append(' ')
                        .append(l.rejectedFormats()).append("\r\n");
                sb.append("c=IN IP4 0.0.0.0\r\n");
                sb.append("a=mid:").append(l.mid()).append("\r\n");
                continue;
            }
            sb.append("m=").append(l.kind()).append(" 9 UDP/TLS/RTP/SAVPF ").append(l.codec().formats()).append("\r\n");
            sb.append("c=IN IP4 0.0.0.0\r\n");
            sb.append("a=rtcp:9 IN IP4 0.0.0.0\r\n");
            if (first) {
                for (String c : candidateLines) {
                    sb.append("a=candidate:").append(c).append("\r\n");
                }
                sb.append("a=end-of-candidates\r\n");
                first = false;
            }
            sb.append("a=ice-ufrag:").append(ufrag).append("\r\n");
            sb.append("a=ice-pwd:").append(pwd).append("\r\n");
            sb.append("a=fingerprint:").append(fingerprint.sdpValue()).append("\r\n");
            sb.append("a=setup:").append(setup).append("\r\n");
            sb.append("a=mid:").append(l.mid()).append("\r\n");
            sb.append('a').append('=').append(l.direction()).append("\r\n");
            for (String a : l.extraAttributes()) {
                sb.append("a=").append(a).append("\r\n");
            }
            MediaLine.Source s = l.source();
            if (s != null) {
                sb.append("a=msid:").append(s.streamId()).append(' ').append(s.trackId()).append("\r\n");
            }
            if (s != null && "video".equals(l.kind()) && absSendTimeId >= 1 && absSendTimeId <= 14) {
                // The SFU stamps its own send time into what it forwards, for the subscriber's REMB estimator.
                sb.append("a=extmap:").append(absSendTimeId).append(' ').append(AbsSendTime.URI).append("\r\n");
            }
            sb.append("a=rtcp-mux\r\n");
            sb.append("a=rtcp-rsize\r\n");
            sb.append(l.codec().attributeLines());
            if (s != null) {
                if (s.rtxSsrc() != 0) {
                    sb.append("a=ssrc-group:FID ").append(u32(s.ssrc())).append(' ').append(u32(s.rtxSsrc()))
                            .append("\r\n");
                }
                ssrcLines(sb, s.ssrc(), s);
                if (s.rtxSsrc() != 0) {
                    ssrcLines(sb, s.rtxSsrc(), s);
                }
            }
        }
        return sb.toString();
    }

    private static void ssrcLines(StringBuilder sb, int ssrc, MediaLine.Source s) {
        sb.append("a=ssrc:").append(u32(ssrc)).append(" cname:").append(s.cname()).append("\r\n");
        sb.append("a=ssrc:").append(u32(ssrc)).append(" msid:").append(s.streamId()).append(' ').append(s.trackId())
                .append("\r\n");
    }

    private static long u32(int v) {
        return v & 0xFFFFFFFFL;
    }
}
