package io.icemesh.media.sdp;

/**
 * One m-section the SFU writes, in an answer or in one of its own offers.
 *
 * @param kind audio, video or application
 * @param mid the mid
 * @param rejected port 0: the section is refused (answer) or stays stopped (offer)
 * @param protocol the m-line protocol, echoed for rejected sections
 * @param rejectedFormats the format list echoed for rejected sections
 * @param direction the SFU's direction: sendonly, recvonly or inactive
 * @param codec what the SFU sends or receives here (null when rejected)
 * @param source the stream the SFU sends here (sendonly), or null
 * @param extraAttributes further attribute lines for the section, without {@code a=} (an answer's a=extmap, a=rid
 *     and a=simulcast for a simulcast publisher's section)
 */
public record MediaLine(String kind, String mid, boolean rejected, String protocol, String rejectedFormats,
        String direction, Codec codec, Source source, java.util.List<String> extraAttributes) {

    public MediaLine(String kind, String mid, boolean rejected, String protocol, String rejectedFormats,
            String direction, Codec codec, Source source) {
        this(kind, mid, rejected, protocol, rejectedFormats, direction, codec, source, java.util.List.of());
    }

    /** The SSRCs and ids of a stream the SFU forwards in a section. */
    public record Source(int ssrc, int rtxSsrc, String cname, String streamId, String trackId) {
    }

    /** A refused section. */
    public static MediaLine rejected(String kind, String mid, String protocol, String formats) {
        return new MediaLine(kind, mid, true, protocol, formats, "inactive", null, null);
    }
}
