package io.icemesh.media.forward;

import io.icemesh.media.endpoint.Endpoint;
import io.icemesh.media.metrics.MediaMetrics;
import io.icemesh.media.rtp.AbsSendTime;
import io.icemesh.media.rtp.RtpPacket;
import io.icemesh.media.rtp.RtxPacket;
import io.icemesh.media.sdp.Codec;
import io.icemesh.media.srtp.PacketBuffer;
import io.icemesh.media.srtp.SrtpSession;
import io.icemesh.media.stream.EgressStream;
import io.icemesh.media.stream.PacketCache;
import io.icemesh.media.stream.SimulcastStream;
import io.icemesh.media.track.Track;

/**
 * Answers a subscriber's generic NACK (RFC 4585 section 6.2.1) from the publisher's {@link PacketCache}: each NACKed
 * packet still cached is sent to that subscriber alone as RTX (RFC 4588) on the track's RTX SSRC, which the SFU's offer
 * announced in {@code a=ssrc-group:FID}, with the canonical RTX payload type and the subscriber stream's own RTX
 * sequence numbers; rate limited per subscriber stream. What the cache lacks is returned for the caller to ask of the
 * publisher. Runs on the subscriber's receive thread; per-thread scratch buffers, no allocation.
 */
final class Retransmitter {

    /** No packet of the NACK entry is left for the publisher. */
    static final long NONE_MISSING = -1;

    private final MediaMetrics metrics;
    private final ThreadLocal<byte[]> cached = ThreadLocal.withInitial(() -> new byte[PacketCache.MAX_PACKET]);
    private final ThreadLocal<byte[]> wrapped = ThreadLocal.withInitial(() -> new byte[FanOut.SCRATCH_SIZE]);
    private final ThreadLocal<PacketBuffer> out =
            ThreadLocal.withInitial(() -> new PacketBuffer(new byte[FanOut.SCRATCH_SIZE], 0, 0));

    Retransmitter(MediaMetrics metrics) {
        this.metrics = metrics;
    }

    /**
     * Handles one NACK entry (packet id and bitmask of the 16 following) for {@code mediaSsrc} of {@code track}.
     * Returns {@link #NONE_MISSING}, or the entry to send on to the publisher for the packets the cache lacks, packed
     * as {@code packetId << 16 | bitmask}.
     */
    long answer(Endpoint subscriber, Endpoint publisher, Track track, int mediaSsrc, int packetId, int lostBitmask, long nowNanos) {
        int firstMissing = -1;
        int missingMask = 0;
        int retransmitted = 0;
        int limited = 0;
        int missing = 0;
        for (int bit = -1; bit < 16; bit++) {
            if (bit >= 0 && (lostBitmask & (1 << bit)) == 0) {
                continue;
            }
            int seq = (packetId + bit + 1) & 0xFFFF;
            switch (resend(subscriber, publisher, track, mediaSsrc, seq, nowNanos)) {
                case SENT -> retransmitted++;
                case LIMITED -> limited++;
                case MISSING -> {
                    missing++;
                    if (firstMissing < 0) {
                        firstMissing = seq;
                    } else {
                        missingMask |= 1 << (((seq - firstMissing) & 0xFFFF) - 1);
                    }
                }
            }
        }
        if (retransmitted > 0) {
            metrics.nackPackets(MediaMetrics.NackOutcome.RETRANSMITTED, retransmitted);
        }
        if (limited > 0) {
            metrics.nackPackets(MediaMetrics.NackOutcome.RATE_LIMITED, limited);
        }
        if (missing > 0) {
            metrics.nackPackets(MediaMetrics.NackOutcome.TO_PUBLISHER, missing);
            return ((long) firstMissing << 16) | (missingMask & 0xFFFF);
        }
        return NONE_MISSING;
    }

    private enum Outcome { SENT, LIMITED, MISSING }

    private Outcome resend(Endpoint subscriber, Endpoint publisher, Track track, int mediaSsrc, int seq,
            long nowNanos) {
        SimulcastStream.Segment segment = null;
        int originalSeq = seq;
        int layerSsrc = mediaSsrc;
        if (track.isSimulcast()) {
            // The subscriber names the rewritten stream: find which layer and which of its packets that was.
            SimulcastStream sim = subscriber.streams().simulcast(track);
            segment = sim == null ? null : sim.segmentFor(seq);
            if (segment == null) {
                return Outcome.MISSING;
            }
            layerSsrc = segment.layerSsrc();
            originalSeq = segment.originalSequence(seq);
        }
        PacketCache cache = publisher.streams().cache(layerSsrc);
        int rtxSsrc = track.source().rtxSsrc();
        Codec canonical = Codec.canonical(track.kind());
        SrtpSession keys = subscriber.srtp();
        EgressStream stream = subscriber.streams().egress(mediaSsrc);
        if (cache == null || rtxSsrc == 0 || canonical == null || canonical.rtxPayloadType() < 0 || keys == null
                || stream == null) {
            return Outcome.MISSING;
        }
        byte[] original = cached.get();
        int n = cache.copy(originalSeq, nowNanos, original, 0);
        if (n < 0) {
            return Outcome.MISSING;
        }
        if (segment != null) {
            int h = RtpPacket.headerLength(original, 0, n);
            if (h < 0) {
                return Outcome.MISSING;
            }
            segment.rewrite(original, 0, n, h, mediaSsrc);
        }
        if (!stream.claimRetransmission(seq, n + RtxPacket.OSN_LENGTH, nowNanos)) {
            return Outcome.LIMITED;
        }
        byte[] rtx = wrapped.get();
        int m = RtxPacket.wrap(original, 0, n, rtx, 0, canonical.rtxPayloadType(), rtxSsrc, stream.nextRtxSequence());
        int header = m < 0 ? -1 : RtpPacket.headerLength(rtx, 0, m);
        if (header < 0) {
            metrics.drop(MediaMetrics.Drop.MALFORMED);
            return Outcome.LIMITED;
        }
        PacketBuffer o = out.get();
        int k = AbsSendTime.copyWithOnly(rtx, 0, m, header, o.getBuffer(), 0, subscriber.streams().absSendTimeId(),
                AbsSendTime.of(nowNanos));
        if (k < 0) {
            metrics.drop(MediaMetrics.Drop.MALFORMED);
            return Outcome.LIMITED;
        }
        int p = FanOut.protectAndSend(metrics, subscriber, keys, o, k, rtxSsrc);
        if (p < 0) {
            return Outcome.LIMITED;
        }
        metrics.rtxSent(p);
        return Outcome.SENT;
    }
}
