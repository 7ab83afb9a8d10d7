package io.icemesh.media.endpoint;

import io.icemesh.media.sdp.Codec;
import io.icemesh.media.sdp.MediaLine;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A stream one endpoint publishes: its SSRCs (media and RTX), ids, and payload types on the publisher's side, which
 * are rewritten to the SFU's canonical ones when forwarded. Identity is the object: a track lives as long as the
 * publisher's endpoint.
 */
public final class Track {

    private final Endpoint publisher;
    private final String kind;
    private final MediaLine.Source source;
    private final Codec publisherCodec;
    private final Codec canonical;
    private final AtomicLong lastKeyframeRequestNanos = new AtomicLong(Long.MIN_VALUE);

    public Track(Endpoint publisher, String kind, MediaLine.Source source, Codec publisherCodec) {
        this.publisher = publisher;
        this.kind = kind;
        this.source = source;
        this.publisherCodec = publisherCodec;
        this.canonical = Codec.canonical(kind);
    }

    public Endpoint publisher() {
        return publisher;
    }

    public String kind() {
        return kind;
    }

    public MediaLine.Source source() {
        return source;
    }

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

    /** Claims the right to send a key frame request now; false while the last one is under {@code minIntervalNanos} old. */
    public boolean claimKeyframeRequest(long nowNanos, long minIntervalNanos) {
        long last = lastKeyframeRequestNanos.get();
        if (last != Long.MIN_VALUE && nowNanos - last < minIntervalNanos) {
            return false;
        }
        return lastKeyframeRequestNanos.compareAndSet(last, nowNanos);
    }

    @Override
    public String toString() {
        return kind + " " + (source.ssrc() & 0xFFFFFFFFL) + " of " + publisher.id();
    }
}
