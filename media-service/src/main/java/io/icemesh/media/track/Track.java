package io.icemesh.media.track;

import io.icemesh.media.sdp.Codec;
import io.icemesh.media.sdp.MediaLine;

/**
 * A stream one endpoint publishes: its SSRCs (media and RTX), ids, and payload types on the publisher's side, which
 * are rewritten to the SFU's canonical ones when forwarded. Identity is the object: a track lives as long as the
 * publisher's endpoint.
 */
public final class Track {

    private final Publisher publisher;
    private final String kind;
    private final MediaLine.Source source;
    private final Codec publisherCodec;
    private final Codec canonical;
    private final KeyframeRequestLimit keyframeRequests = new KeyframeRequestLimit();
    private final String mid;
    /** Simulcast encodings in the publisher's a=simulcast order; empty for a single-stream track. */
    private final Layer[] layers;

    public Track(Publisher publisher, String kind, MediaLine.Source source, Codec publisherCodec) {
        this(publisher, kind, source, publisherCodec, null, java.util.List.of());
    }

    /**
     * @param source for a simulcast track, the SSRCs the SFU itself sends subscribers (one stream whatever the
     *     layer) and the publisher's ids; for a single stream, the publisher's own
     * @param mid the publisher's m-section, which its packets name in the mid header extension
     * @param rids the simulcast rids in the publisher's order (empty: not simulcast)
     */
    public Track(Publisher publisher, String kind, MediaLine.Source source, Codec publisherCodec, String mid,
            java.util.List<String> rids) {
        this.publisher = publisher;
        this.kind = kind;
        this.source = source;
        this.publisherCodec = publisherCodec;
        this.canonical = Codec.canonical(kind);
        this.mid = mid;
        this.layers = new Layer[rids.size()];
        for (int i = 0; i < layers.length; i++) {
            layers[i] = new Layer(i, rids.get(i));
        }
    }

    /**
     * Whether the SFU replays this track's newest key frame to a subscriber that starts receiving it: a single video
     * stream with RTX, whose packets the SFU caches (simulcast tracks switch layers on key frames of their own).
     */
    public boolean keyframesReplayable() {
        return "video".equals(kind) && layers.length == 0 && source.rtxSsrc() != 0;
    }

    /** Whether the publisher sends this track as simulcast layers. */
    public boolean isSimulcast() {
        return layers.length > 0;
    }

    /** The simulcast layers (do not modify); empty for a single stream. */
    public Layer[] layers() {
        return layers;
    }

    /** The publisher's mid for this track. */
    public String mid() {
        return mid;
    }

    /** The layer whose media or RTX SSRC this is, or null (single-stream tracks have none). */
    public Layer layerOf(int ssrc) {
        for (Layer l : layers) {
            if (l.ssrc() == ssrc || l.rtxSsrc() == ssrc) {
                return l;
            }
        }
        return null;
    }

    /** The layer with this rid, or null. */
    public Layer layer(String rid) {
        for (Layer l : layers) {
            if (l.rid().equals(rid)) {
                return l;
            }
        }
        return null;
    }

    /** Whether packets on this SSRC from the publisher are RTX (RFC 4588) for this track. */
    public boolean isRtxSsrc(int ssrc) {
        if (layers.length == 0) {
            return ssrc != source.ssrc() && ssrc == source.rtxSsrc();
        }
        Layer l = layerOf(ssrc);
        return l != null && l.rtxSsrc() == ssrc && l.ssrc() != ssrc;
    }

    /** The publisher's media SSRC that an RTX or media SSRC of this track belongs to. */
    public int mediaSsrcOf(int ssrc) {
        if (layers.length == 0) {
            return source.ssrc();
        }
        Layer l = layerOf(ssrc);
        return l == null ? 0 : l.ssrc();
    }

    public Publisher publisher() {
        return publisher;
    }

    public String kind() {
        return kind;
    }

    public MediaLine.Source source() {
        return source;
    }

    /** The SSRC subscribers receive this track on: the publisher's for a single stream, the SFU's for simulcast. */
    public int ssrc() {
        return source.ssrc();
    }

    /** The payload type subscribers get for this publisher payload type, or -1 for one the SFU did not accept. */
    public int canonicalPayloadType(int publisherPayloadType) {
        if (publisherPayloadType == publisherCodec.payloadType()) {
            return canonical.payloadType();
        }
        if (publisherPayloadType == publisherCodec.rtxPayloadType() && publisherCodec.rtxPayloadType() >= 0) {
            return canonical.rtxPayloadType();
        }
        return -1;
    }

    /**
     * Claims the right to send a key frame request now; false while the last one is under {@code minIntervalNanos}
     * old. One limit for a simulcast track's layers together: a VP8 simulcast encoder (libvpx in libwebrtc) makes a
     * key frame on every layer for a request on any, so per-layer limits let requests for different layers add up to
     * a key frame on every layer several times a second, each a burst the encoder then drops frames to pay for.
     */
    public boolean claimKeyframeRequest(long nowNanos, long minIntervalNanos) {
        return keyframeRequests.claim(nowNanos, minIntervalNanos);
    }

    /** Keeps a key frame request for {@code ssrc} that the limit (or a publisher not yet connected) held back. */
    public void deferKeyframeRequest(int ssrc) {
        keyframeRequests.defer(ssrc);
    }

    /** Whether a held-back key frame request waits. */
    public boolean hasDeferredKeyframeRequest() {
        return keyframeRequests.hasDeferred();
    }

    /** The SSRC of the held-back request if it may go now (claimed and no longer kept), else 0. */
    public int takeDueKeyframeRequest(long nowNanos, long minIntervalNanos) {
        return keyframeRequests.takeDue(nowNanos, minIntervalNanos);
    }

    /** Drops a held-back key frame request. */
    public void clearDeferredKeyframeRequest() {
        keyframeRequests.clearDeferred();
    }

    @Override
    public String toString() {
        return kind + " " + (source.ssrc() & 0xFFFFFFFFL) + " of " + publisher.id();
    }
}
