package io.icemesh.media.forward;

import io.icemesh.media.endpoint.Endpoint;
import io.icemesh.media.endpoint.RoomMembers;
import io.icemesh.media.ice.PacketPool;
import io.icemesh.media.metrics.MediaMetrics;
import io.icemesh.media.rtp.AbsSendTime;
import io.icemesh.media.rtp.RtpPacket;
import io.icemesh.media.rtp.RtxPacket;
import io.icemesh.media.rtp.Vp8Descriptor;
import io.icemesh.media.srtp.PacketBuffer;
import io.icemesh.media.srtp.SrtpSession;
import io.icemesh.media.stream.EgressStream;
import io.icemesh.media.stream.EndpointStreams;
import io.icemesh.media.stream.IngressStream;
import io.icemesh.media.stream.PacketCache;
import io.icemesh.media.stream.RetransmissionLimits;
import io.icemesh.media.stream.SimulcastStream;
import io.icemesh.media.track.Track;

/**
 * The forwarding path's second stage, once per subscriber of a packet {@link Ingress} let through: the plain packet is
 * copied into a per-thread scratch buffer with the SFU's own abs-send-time as its only header extension, a simulcast
 * layer admitted or not (the subscriber's layer now, or the key frame that switches it to its target), rewritten into
 * the subscriber's one stream, encrypted with its keys and sent, and counted for the SFU's sender reports.
 */
final class FanOut {

    /** Room for the SRTCP index and the longest tag past the payload. */
    static final int SCRATCH_SIZE = PacketPool.BUFFER_SIZE + 64;
    /**
     * A key frame older than this is not replayed to a new subscriber (it asks the publisher for a fresh one): the
     * subscriber would decode this much video at once before it is current.
     */
    static final long REPLAY_MAX_AGE_NANOS = 2_000_000_000L;
    /** Nor one further back than this many packets: the burst to one subscriber (300 KB at most). */
    static final int REPLAY_MAX_PACKETS = 256;

    private final MediaMetrics metrics;
    private final RetransmissionLimits limits;
    private final LayerSelection layers;
    private final KeyframeRequests keyframes;
    private final long pliMinIntervalNanos;
    private final ThreadLocal<PacketBuffer> outView =
            ThreadLocal.withInitial(() -> new PacketBuffer(new byte[SCRATCH_SIZE], 0, 0));
    private final ThreadLocal<byte[]> heldPlain = ThreadLocal.withInitial(() -> new byte[PacketCache.MAX_PACKET]);
    private final ThreadLocal<PacketBuffer> heldOut =
            ThreadLocal.withInitial(() -> new PacketBuffer(new byte[SCRATCH_SIZE], 0, 0));

    FanOut(MediaMetrics metrics, RetransmissionLimits limits, LayerSelection layers, KeyframeRequests keyframes,
            long pliMinIntervalNanos) {
        this.metrics = metrics;
        this.limits = limits;
        this.layers = layers;
        this.keyframes = keyframes;
        this.pliMinIntervalNanos = pliMinIntervalNanos;
    }

    /** Sends the plain packet at {@code buf[offset]} that {@code from} published to every member forwarded its track. */
    void send(Endpoint from, RoomMembers room, byte[] buf, int offset, IngressPacket p) {
        Track track = p.track;
        int outSsrc = track.ssrc();
        int absSendTime = AbsSendTime.of(p.receivedNanos);
        PacketBuffer out = outView.get();
        boolean sent = false;
        for (Endpoint to : room.members()) {
            if (to == from || !to.forwards(track)) {
                continue;
            }
            SrtpSession toKeys = to.srtp();
            if (toKeys == null) {
                continue;
            }
            EndpointStreams streams = to.streams();
            EgressStream egress = streams.egress(outSsrc);
            if (egress == null) {
                // The subscriber's first packet of this track.
                egress = streams.egressOrCreate(outSsrc, track, limits, egressHistory(p.cache), p.receivedNanos);
                if (track.keyframesReplayable() && !p.keyframeStart && !replayKeyframe(to, toKeys, p.stream,
                        p.sequenceNumber, outSsrc, egress, p.receivedNanos)) {
                    keyframes.requestUnlessRecent(track);
                }
            }
            byte[] scratch = out.getBuffer();
            int len = AbsSendTime.copyWithOnly(buf, offset, p.length, p.headerLength, scratch, 0,
                    streams.absSendTimeId(), absSendTime);
            if (len < 0) {
                metrics.drop(MediaMetrics.Drop.MALFORMED);
                continue;
            }
            if (p.layer != null && !admitLayer(from, to, p, scratch, len, len - (p.length - p.headerLength))) {
                continue;
            }
            int n = protectAndSend(metrics, to, toKeys, out, len, outSsrc);
            if (n < 0) {
                continue;
            }
            metrics.rtpOut(n);
            egress.sent(p.payloadOctets);
            to.markFirstRtpOut();
            sent = true;
        }
        if (sent) {
            metrics.forwardLatency(System.nanoTime() - p.receivedNanos);
        }
    }

    /**
     * For a packet of a simulcast layer: whether it goes to subscriber {@code to} (its layer now, or the key frame
     * that switches it to its target), rewriting the copy in {@code scratch} into the subscriber's one stream; and
     * asks the publisher for a key frame of the target layer while a switch waits for one.
     */
    private boolean admitLayer(Endpoint from, Endpoint to, IngressPacket p, byte[] scratch, int len, int header) {
        Track track = p.track;
        EndpointStreams streams = to.streams();
        SimulcastStream sim = streams.simulcast(track);
        if (sim == null) {
            sim = streams.simulcastOrCreate(track, layers.initial(to, track, p.receivedNanos),
                    limits.cachePackets() - 1);
        }
        int before = sim.current();
        SimulcastStream.Segment segment = sim.admit(scratch, 0, len, header, p.layer.index(), p.ssrc,
                p.keyframeStart, p.receivedNanos);
        boolean admitted = segment != null;
        if (admitted && sim.current() != before) {
            metrics.layerSwitched();
            // Only a switch can have held a key frame back.
            int flush = sim.takeFlush();
            if (flush >= 0) {
                sendHeldKeyframe(from, to, track, p.ssrc, flush, p.sequenceNumber, segment, p.receivedNanos);
            }
        }
        if (sim.current() != sim.target() && sim.wantsKeyframe(p.receivedNanos, pliMinIntervalNanos)) {
            keyframes.requestLayer(track, track.layers()[sim.target()], MediaMetrics.PliCause.LAYER_SWITCH);
        }
        return admitted;
    }

    /**
     * Sends subscriber {@code to} the packets {@code from} (inclusive) to {@code until} (exclusive) of a layer's key
     * frame from the publisher's cache, rewritten into the new segment: the switch happened at the key frame's end,
     * and these went by while the subscriber still got its previous layer.
     */
    private void sendHeldKeyframe(Endpoint publisher, Endpoint to, Track track, int layerSsrc, int from, int until,
            SimulcastStream.Segment segment, long nowNanos) {
        PacketCache cache = publisher.streams().cache(layerSsrc);
        SrtpSession keys = to.srtp();
        if (cache == null || keys == null) {
            return;
        }
        EgressStream egress = to.streams().egressOrCreate(track.ssrc(), track, limits, cache.capacity(), nowNanos);
        sendCached(to, keys, cache, from, until, track.ssrc(), segment, egress, nowNanos);
    }

    /**
     * Sends subscriber {@code to}, before its first packet {@code p} of a single-stream track, the packets from the
     * track's newest key frame up to {@code p} out of the publisher's cache, so that it decodes at once instead of
     * waiting for the publisher's answer to a key frame request (issue #14: this was 27 ms of the 40 ms between a
     * subscriber connecting and its first frame). Only a key frame {@link #replayableKeyframe} allows. Returns
     * whether the key frame's first packet went; when it did not, the caller asks the publisher. Runs on the receive
     * thread, like every other send with the subscriber's SRTP context once its keys are published, or on its DTLS
     * thread before they are ({@link #replayOnConnect}).
     */
    private boolean replayKeyframe(Endpoint to, SrtpSession keys, IngressStream in, int next, int outSsrc,
            EgressStream egress, long nowNanos) {
        int first = replayableKeyframe(in, next, nowNanos);
        if (first < 0) {
            return false;
        }
        PacketCache cache = in.cache();
        if (!keyframeStartHeld(cache, first, nowNanos)) {
            return false; // overwritten since: the key frame is gone
        }
        boolean sent = sendCached(to, keys, cache, first, next, outSsrc, null, egress, nowNanos);
        if (sent) {
            metrics.keyframeReplayed();
        }
        return sent;
    }

    /**
     * A subscriber's DTLS just completed: it gets {@code track}'s newest key frame from {@code from}'s cache now, up
     * to the last packet received, instead of with its first live packet of the track (up to a frame interval later,
     * 33 ms at 30 fps). Runs on the subscriber's DTLS thread before its {@code keys} are published to the receive
     * threads, so nothing else sends with them or touches its egress streams yet; the publisher's packets are copied
     * out of its cache under the cache's seqlock (safe from any thread). Returns whether the key frame went (with the kind {@code connect}); when it
     * did not, the subscriber's first live packet of the track does as before. A live packet that arrives meanwhile
     * is not forwarded to it (its keys are not published yet): the subscriber asks for it again (NACK).
     */
    boolean replayOnConnect(Endpoint from, Endpoint to, SrtpSession keys, Track track, long nowNanos) {
        IngressStream in = from.streams().ingress(track.ssrc());
        if (in == null || in.cache() == null || in.statistics().received() == 0) {
            return false;
        }
        int next = (int) (in.statistics().extendedHighest() + 1) & 0xFFFF;
        int first = replayableKeyframe(in, next, nowNanos);
        if (first < 0 || !keyframeStartHeld(in.cache(), first, nowNanos)) {
            return false;
        }
        EgressStream egress = to.streams().egressOrCreate(track.ssrc(), track, limits, egressHistory(in.cache()),
                nowNanos);
        boolean sent = sendCached(to, keys, in.cache(), first, next, track.ssrc(), null, egress, nowNanos);
        if (sent) {
            metrics.keyframeReplayedAtConnect();
        } else {
            // Overwritten between the check and the copy: its egress exists now, so no live packet would ask.
            keyframes.request(to, track, MediaMetrics.PliCause.SUBSCRIBER_JOINED);
        }
        return sent;
    }

    /** Whether the cache still holds packet {@code first} and it starts a VP8 key frame. */
    private boolean keyframeStartHeld(PacketCache cache, int first, long nowNanos) {
        byte[] plain = heldPlain.get();
        int n = cache.copy(first, nowNanos, plain, 0);
        int h = n < 0 ? -1 : RtpPacket.headerLength(plain, 0, n);
        return h >= 0 && Vp8Descriptor.isKeyframeStart(plain, h, n - h);
    }

    /**
     * The first packet of {@code in}'s newest key frame if it may be replayed before packet {@code next}: at most
     * {@link #REPLAY_MAX_AGE_NANOS} old and {@link #REPLAY_MAX_PACKETS} back, and still held by the cache (whose age
     * limit, {@code nack-cache-max-age}, may be shorter); else -1.
     */
    private static int replayableKeyframe(IngressStream in, int next, long nowNanos) {
        PacketCache cache = in.cache();
        int first = cache == null ? -1 : in.recentKeyframe(nowNanos, REPLAY_MAX_AGE_NANOS);
        int count = first < 0 ? 0 : (next - first) & 0xFFFF;
        return count == 0 || count > REPLAY_MAX_PACKETS || !cache.contains(first, nowNanos) ? -1 : first;
    }

    /** Whether a subscriber that starts receiving {@code track} now gets its newest key frame from the cache. */
    static boolean keyframeReady(Endpoint publisher, Track track, long nowNanos) {
        if (!track.keyframesReplayable()) {
            return false;
        }
        IngressStream in = publisher.streams().ingress(track.ssrc());
        return in != null && replayableKeyframe(in, (int) in.statistics().extendedHighest() + 1, nowNanos) >= 0;
    }

    /**
     * Sends subscriber {@code to} the cached plain packets {@code from} (inclusive) to {@code until} (exclusive) on
     * {@code outSsrc}, each with the SFU's abs-send-time as its only header extension and, for a simulcast switch,
     * rewritten into {@code segment} (null: sent as they are). Packets the cache lacks are skipped (the subscriber
     * NACKs them). Returns whether packet {@code from} went.
     */
    private boolean sendCached(Endpoint to, SrtpSession keys, PacketCache cache, int from, int until, int outSsrc,
            SimulcastStream.Segment segment, EgressStream egress, long nowNanos) {
        byte[] plain = heldPlain.get();
        PacketBuffer out = heldOut.get();
        int absId = to.streams().absSendTimeId();
        int abs = AbsSendTime.of(nowNanos);
        boolean firstSent = false;
        for (int s = from; s != until; s = (s + 1) & 0xFFFF) {
            int n = cache.copy(s, nowNanos, plain, 0);
            int h = n < 0 ? -1 : RtpPacket.headerLength(plain, 0, n);
            if (h < 0) {
                continue;
            }
            int len = AbsSendTime.copyWithOnly(plain, 0, n, h, out.getBuffer(), 0, absId, abs);
            if (len < 0) {
                continue;
            }
            if (segment != null) {
                segment.rewrite(out.getBuffer(), 0, len, len - (n - h), outSsrc);
            }
            int m = protectAndSend(metrics, to, keys, out, len, outSsrc);
            if (m < 0) {
                continue;
            }
            metrics.rtpOut(m);
            egress.sent(n - h - RtxPacket.padding(plain, 0, n));
            firstSent |= s == from;
        }
        return firstSent;
    }

    /**
     * Protects the first {@code length} bytes of {@code out}'s buffer (a plain RTP packet on {@code ssrc}) with
     * {@code to}'s keys and sends them to it. Returns the length sent, or -1 when SRTP failed (counted as a drop).
     */
    static int protectAndSend(MediaMetrics metrics, Endpoint to, SrtpSession keys, PacketBuffer out, int length,
            int ssrc) {
        out.set(out.getBuffer(), 0, length);
        int n = keys.protectRtp(out, ssrc);
        if (n < 0) {
            metrics.drop(MediaMetrics.Drop.SRTP_FAILED);
            return -1;
        }
        to.transport().send(out.getBuffer(), out.getOffset(), n);
        return n;
    }

    private static int egressHistory(PacketCache cache) {
        return cache == null ? 16 : cache.capacity();
    }
}
