package io.icemesh.media.stream;

import io.icemesh.media.rtcp.ReceiveStatistics;
import io.icemesh.media.track.Track;

/**
 * One media SSRC the SFU receives from a publisher: its reception statistics (for the SFU's receiver reports and the
 * sender-report clock it relays) and, for video with RTX, the packet cache that answers subscribers' NACKs.
 */
public final class IngressStream {

    private final int ssrc;
    private final Track track;
    private final ReceiveStatistics statistics;
    private final PacketCache cache;
    /** Where the newest key frame began (VP8 single stream), or null before one; replaced whole, read whole. */
    private volatile Keyframe lastKeyframe;

    /** A key frame's first packet: its sequence number and when it arrived. */
    private record Keyframe(int sequenceNumber, long nanos) {
    }

    IngressStream(int ssrc, Track track, int clockRate, PacketCache cache, long nowNanos) {
        this.ssrc = ssrc;
        this.track = track;
        this.statistics = new ReceiveStatistics(clockRate, nowNanos);
        this.cache = cache;
    }

    public int ssrc() {
        return ssrc;
    }

    public Track track() {
        return track;
    }

    public ReceiveStatistics statistics() {
        return statistics;
    }

    /** The packet cache, or null when the stream's retransmissions are not served by the SFU (audio, no RTX). */
    public PacketCache cache() {
        return cache;
    }

    /** A key frame began with this packet (one writer: the publisher's receive thread). */
    public void keyframeStarted(int sequenceNumber, long nowNanos) {
        lastKeyframe = new Keyframe(sequenceNumber, nowNanos);
    }

    /**
     * The sequence number of the newest key frame's first packet if it arrived at most {@code maxAgeNanos} ago,
     * else -1.
     */
    public int recentKeyframe(long nowNanos, long maxAgeNanos) {
        Keyframe k = lastKeyframe;
        return k != null && nowNanos - k.nanos() <= maxAgeNanos ? k.sequenceNumber() : -1;
    }
}
