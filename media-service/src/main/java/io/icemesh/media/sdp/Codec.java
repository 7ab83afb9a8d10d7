package io.icemesh.media.sdp;

import java.util.Locale;

/**
 * The one codec the SFU forwards per kind, with its payload types on one side of a session: Opus for audio, VP8 with
 * RTX (RFC 4588) for video. Every subscriber can decode them, so no transcoding or simulcast layer choice is needed.
 *
 * @param kind audio or video
 * @param payloadType the codec's payload type
 * @param rtxPayloadType the RTX payload type, -1 when none
 */
public record Codec(String kind, int payloadType, int rtxPayloadType) {

    /** Payload types the SFU uses in its own offers (Chrome's usual numbers, which keeps PT rewriting rare). */
    public static final Codec CANONICAL_VIDEO = new Codec("video", 96, 97);
    /** Opus in the SFU's offers. */
    public static final Codec CANONICAL_AUDIO = new Codec("audio", 111, -1);

    /** The canonical codec for a kind, or null when the SFU forwards no such kind. */
    public static Codec canonical(String kind) {
        return switch (kind) {
            case "video" -> CANONICAL_VIDEO;
            case "audio" -> CANONICAL_AUDIO;
            default -> null;
        };
    }

    /** The codec the client offers in this m-section that the SFU accepts, or null. */
    public static Codec choose(MediaDescription m) {
        String wanted = switch (m.kind()) {
            case "video" -> "vp8/90000";
            case "audio" -> "opus/48000/2";
            default -> null;
        };
        if (wanted == null) {
            return null;
        }
        int pt = -1;
        for (String rtpmap : m.attributes("rtpmap")) {
            String[] f = rtpmap.split("\\s+", 2);
            if (f.length == 2 && f[1].trim().toLowerCase(Locale.ROOT).equals(wanted)) {
                pt = parsePt(f[0]);
                if (pt >= 0 && m.formats().contains(f[0])) {
                    break;
                }
                pt = -1;
            }
        }
        if (pt < 0) {
            return null;
        }
        int rtx = -1;
        if (m.kind().equals("video")) {
            for (String fmtp : m.attributes("fmtp")) {
                String[] f = fmtp.split("\\s+", 2);
                if (f.length == 2 && f[1].trim().equals("apt=" + pt) && isRtx(m, f[0])) {
                    rtx = parsePt(f[0]);
                    break;
                }
            }
        }
        return new Codec(m.kind(), pt, rtx);
    }

    private static boolean isRtx(MediaDescription m, String pt) {
        for (String rtpmap : m.attributes("rtpmap")) {
            if (rtpmap.startsWith(pt + " ") && rtpmap.toLowerCase(Locale.ROOT).contains("rtx/")) {
                return true;
            }
        }
        return false;
    }

    private static int parsePt(String s) {
        try {
            int v = Integer.parseInt(s.trim());
            return v >= 0 && v <= 127 ? v : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Payload types for the m-line's format list. */
    public String formats() {
        return rtxPayloadType >= 0 ? payloadType + " " + rtxPayloadType : Integer.toString(payloadType);
    }

    /** The rtpmap, fmtp and rtcp-fb lines for this codec (each ending in CRLF). */
    public String attributeLines() {
        StringBuilder sb = new StringBuilder();
        if (kind.equals("audio")) {
            sb.append("a=rtpmap:").append(payloadType).append(" opus/48000/2\r\n");
            sb.append("a=fmtp:").append(payloadType).append(" minptime=10;useinbandfec=1\r\n");
        } else {
            sb.append("a=rtpmap:").append(payloadType).append(" VP8/90000\r\n");
            sb.append("a=rtcp-fb:").append(payloadType).append(" ccm fir\r\n");
            sb.append("a=rtcp-fb:").append(payloadType).append(" nack\r\n");
            sb.append("a=rtcp-fb:").append(payloadType).append(" nack pli\r\n");
            // Publishers obey the SFU's REMB only when it is in the answer; subscribers send REMB only when offered.
            sb.append("a=rtcp-fb:").append(payloadType).append(" goog-remb\r\n");
            if (rtxPayloadType >= 0) {
                sb.append("a=rtpmap:").append(rtxPayloadType).append(" rtx/90000\r\n");
                sb.append("a=fmtp:").append(rtxPayloadType).append(" apt=").append(payloadType).append("\r\n");
            }
        }
        return sb.toString();
    }
}
