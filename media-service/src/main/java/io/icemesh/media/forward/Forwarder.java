package io.icemesh.media.forward;

import io.icemesh.media.endpoint.Endpoint;
import io.icemesh.media.endpoint.Layer;
import io.icemesh.media.endpoint.NodeContext;
import io.icemesh.media.endpoint.Track;
import io.icemesh.media.ice.PacketPool;
import io.icemesh.media.metrics.MediaMetrics;
import io.icemesh.media.room.Room;
import io.icemesh.media.rtcp.RtcpCompound;
import io.icemesh.media.rtcp.RtcpVisitor;
import io.icemesh.media.rtcp.RtcpWriter;
import io.icemesh.media.rtcp.SenderClock;
import io.icemesh.media.rtp.AbsSendTime;
import io.icemesh.media.rtp.RtpPacket;
import io.icemesh.media.rtp.RtxPacket;
import io.icemesh.media.rtp.Vp8Descriptor;
import io.icemesh.media.sdp.Codec;
import io.icemesh.media.srtp.PacketBuffer;
import io.icemesh.media.srtp.SrtpSession;
import org.jboss.logging.Logger;

/**
 * The forwarding path, on the receive thread of the shared socket: SRTP is decrypted once per packet from a publisher,
 * the payload type mapped to the SFU's, the packet counted for the SFU's receiver reports and kept in the stream's
 * {@link PacketCache}, and encrypted once per subscriber into a per-thread scratch buffer (with the SFU's own
 * abs-send-time as its only header extension) and sent. RTX from a publisher is turned back into the original packet
 * (RFC 4588), which fills the cache and the subscribers' gaps. RTCP from an endpoint is decrypted and read: key frame
 * requests (PLI, FIR) go to the publisher of the named SSRC as a fresh PLI, rate limited per track; NACKed packets are
 * retransmitted from the cache by the {@link Retransmitter}, and only those it lacks go to the publisher; SR and RR
 * end here (the SFU sends its own, see {@link ReportScheduler}), REMB estimates are kept for the publisher's REMB.
 * No locks and no allocation per packet on this path, beyond what ice4j and jitsi-srtp do.
 */
public final class Forwarder implements NodeContext.PacketSink {

    /** The SSRC the SFU uses as sender of the RTCP it originates. */
    public static final int SFU_RTCP_SSRC = 0x1CE3ED1A;
    /** Room for the SRTCP index and the longest tag past the payload. */
    private static final int SCRATCH_SIZE = PacketPool.BUFFER_SIZE + 64;

    private final MediaMetrics metrics;
    private final long pliMinIntervalNanos;
    private final ThreadLocal<PacketBuffer> inView = ThreadLocal.withInitial(PacketBuffer::new);
    private final ThreadLocal<PacketBuffer> outView =
            ThreadLocal.withInitial(() -> new PacketBuffer(new byte[SCRATCH_SIZE], 0, 0));
    private final ThreadLocal<FeedbackRouter> routers = ThreadLocal.withInitial(FeedbackRouter::new);
    private final ThreadLocal<byte[]> rtcpScratch = ThreadLocal.withInitial(() -> new byte[64]);
    /** Tracks with a key frame request held back (see {@link #requestPli}). */
    private final OnePassSet<Track> deferredKeyframes = new OnePassSet<>();
    private final ThreadLocal<byte[]> heldPlain = ThreadLocal.withInitial(() -> new byte[PacketCache.MAX_PACKET]);
    private final ThreadLocal<PacketBuffer> heldOut =
            ThreadLocal.withInitial(() -> new PacketBuffer(new byte[SCRATCH_SIZE], 0, 0));
    private final RetransmissionLimits limits;
    private final Retransmitter retransmitter;
    private final LayerSelection layers;
    /** Recovered packets further behind the highest sent than this are cached but not forwarded: jitsi-srtp's
     *  sending context refuses indices more than 64 behind (its replay window), so leave a margin. */
    private static final int MAX_RECOVERED_LAG = 48;
    private static final Logger LOG = Logger.getLogger(Forwarder.class);
    /** Internal errors logged with their stack at most this many times per node (all are counted). */
    private static final int MAX_INTERNAL_ERRORS_LOGGED = 10;
    private final java.util.concurrent.atomic.AtomicInteger internalErrorsLogged =
            new java.util.concurrent.atomic.AtomicInteger();

    public Forwarder(MediaMetrics metrics, long pliMinIntervalNanos) {
        this(metrics, pliMinIntervalNanos, RetransmissionLimits.DEFAULT);
    }

    public Forwarder(MediaMetrics metrics, long pliMinIntervalNanos, RetransmissionLimits limits) {
        this(metrics, pliMinIntervalNanos, limits, new LayerSelection(metrics, 5_000_000_000L));
    }

    public Forwarder(MediaMetrics metrics, long pliMinIntervalNanos, RetransmissionLimits limits,
            LayerSelection layers) {
        this.metrics = metrics;
        this.pliMinIntervalNanos = pliMinIntervalNanos;
        this.limits = limits;
        this.retransmitter = new Retransmitter(metrics);
        this.layers = layers;
    }

    /** The simulcast layer selection (run on the report timer and on quality requests). */
    public LayerSelection layerSelection() {
        return layers;
    }

    @Override
    public void rtp(Endpoint from, byte[] buf, int offset, int length) {
        try {
            forwardRtp(from, buf, offset, length);
        } catch (RuntimeException e) {
            internalError(from, e);
        }
    }

    @Override
    public void rtcp(Endpoint from, byte[] buf, int offset, int length) {
        try {
            readRtcp(from, buf, offset, length);
        } catch (RuntimeException e) {
            internalError(from, e);
        }
    }

    /**
     * A bug met by one packet must not end the shared socket's receive thread (ice4j's listener dies with it, and
     * every endpoint on the port with it): the packet is dropped and counted, and the first few are logged.
     */
    private void internalError(Endpoint from, RuntimeException e) {
        metrics.drop(MediaMetrics.Drop.INTERNAL_ERROR);
        if (internalErrorsLogged.getAndIncrement() < MAX_INTERNAL_ERRORS_LOGGED) {
            LOG.errorf(e, "endpoint %s: packet dropped on an internal error", from.id());
        }
    }

    private void forwardRtp(Endpoint from, byte[] buf, int offset, int length) {
        long receivedNanos = System.nanoTime();
        metrics.rtpIn(length);
        SrtpSession keys = from.srtp();
        if (keys == null) {
            metrics.drop(MediaMetrics.Drop.NO_KEYS);
            return;
        }
        if (RtpPacket.headerLength(buf, offset, length) < 0) {
            metrics.drop(MediaMetrics.Drop.MALFORMED);
            return;
        }
        int ssrc = RtpPacket.ssrc(buf, offset);
        Track track = from.publishedTrack(ssrc);
        Endpoint.LayerClaim claim = null;
        if (track == null) {
            // A simulcast layer's first packets name it in header extensions (which SRTP leaves in clear); the SSRC
            // is learnt once SRTP has authenticated the packet.
            claim = from.identifyLayer(buf, offset, length);
            if (claim == null) {
                metrics.drop(MediaMetrics.Drop.UNKNOWN_SSRC);
                return;
            }
            track = claim.track();
        }
        PacketBuffer view = inView.get().set(buf, offset, length);
        int plainLength = keys.unprotectRtp(view, ssrc);
        if (plainLength < 0) {
            metrics.drop(MediaMetrics.Drop.SRTP_FAILED);
            return;
        }
        if (claim != null) {
            from.learnLayerSsrc(claim, ssrc);
        }
        int pt = track.canonicalPayloadType(RtpPacket.payloadType(buf, offset));
        if (pt < 0) {
            metrics.drop(MediaMetrics.Drop.UNKNOWN_PAYLOAD_TYPE);
            return;
        }
        RtpPacket.setPayloadType(buf, offset, pt);
        from.markFirstRtpIn();
        boolean recovered = track.isRtxSsrc(ssrc);
        if (recovered) {
            int mediaSsrc = track.mediaSsrcOf(ssrc);
            if (mediaSsrc == 0) {
                metrics.drop(MediaMetrics.Drop.UNKNOWN_SSRC);
                return;
            }
            plainLength = recover(from, track, mediaSsrc, buf, offset, plainLength, receivedNanos);
            if (plainLength < 0) {
                return;
            }
            ssrc = mediaSsrc;
        }
        Layer layer = null;
        if (track.isSimulcast()) {
            layer = track.layerOf(ssrc);
            if (layer == null) {
                metrics.drop(MediaMetrics.Drop.UNKNOWN_SSRC);
                return;
            }
        }
        int seq = RtpPacket.sequenceNumber(buf, offset);
        IngressStream in = from.streams().ingress(ssrc);
        if (in == null) {
            in = from.streams().ingressOrCreate(ssrc, track, limits, receivedNanos);
        }
        in.statistics().packet(seq, RtpPacket.timestamp(buf, offset), receivedNanos, recovered);
        PacketCache cache = in.cache();
        if (cache != null) {
            cache.put(buf, offset, plainLength, seq, receivedNanos);
        }
        if (recovered && (short) (in.statistics().extendedHighest() - seq) > MAX_RECOVERED_LAG) {
            metrics.recovered(MediaMetrics.Recovered.CACHED_ONLY);
            return;
        }
        if (recovered) {
            metrics.recovered(MediaMetrics.Recovered.FORWARDED);
        }
        Room room = from.room();
        if (room == null) {
            return;
        }
        int header = RtpPacket.headerLength(buf, offset, plainLength);
        if (header < 0) {
            metrics.drop(MediaMetrics.Drop.MALFORMED);
            return;
        }
        int padding = RtxPacket.padding(buf, offset, plainLength);
        int payloadOctets = plainLength - header - padding;
        boolean keyframeStart = false;
        if (layer != null) {
            layer.packet(plainLength, receivedNanos);
            keyframeStart = Vp8Descriptor.isKeyframeStart(buf, offset + header, payloadOctets);
            if (keyframeStart) {
                layer.width(Vp8Descriptor.keyframeWidth(buf, offset + header, payloadOctets));
            }
        }
        int outSsrc = track.ssrc();
        int absSendTime = AbsSendTime.of(receivedNanos);
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
            byte[] scratch = out.getBuffer();
            int len = AbsSendTime.copyWithOnly(buf, offset, plainLength, header, scratch, 0, streams.absSendTimeId(),
                    absSendTime);
            if (len < 0) {
                metrics.drop(MediaMetrics.Drop.MALFORMED);
                continue;
            }
            if (layer != null && !admitLayer(to, track, layer, ssrc, seq, scratch, len, len - (plainLength - header),
                    keyframeStart, receivedNanos)) {
                continue;
            }
            int n = protectAndSend(metrics, to, toKeys, out, len, outSsrc);
            if (n < 0) {
                continue;
            }
            metrics.rtpOut(n);
            EgressStream egress = streams.egress(outSsrc);
            if (egress == null) {
                egress = streams.egressOrCreate(outSsrc, track, limits, egressHistory(cache), receivedNanos);
            }
            egress.sent(payloadOctets);
            to.markFirstRtpOut();
            sent = true;
        }
        if (sent) {
            metrics.forwardLatency(System.nanoTime() - receivedNanos);
        }
    }

    /**
     * For a packet of a simulcast layer: whether it goes to subscriber {@code to} (its layer now, or the key frame
     * that switches it to its target), rewriting the copy in {@code scratch} into the subscriber's one stream; and
     * asks the publisher for a key frame of the target layer while a switch waits for one.
     */
    private boolean admitLayer(Endpoint to, Track track, Layer layer, int layerSsrc, int seq, byte[] scratch,
            int len, int header, boolean keyframeStart, long nowNanos) {
        EndpointStreams streams = to.streams();
        SimulcastStream sim = streams.simulcast(track);
        if (sim == null) {
            sim = streams.simulcastOrCreate(track, layers.initial(to, track, nowNanos), limits.cachePackets() - 1);
        }
        int before = sim.current();
        SimulcastStream.Segment segment = sim.admit(scratch, 0, len, header, layer.index(), layerSsrc, keyframeStart,
                nowNanos);
        boolean admitted = segment != null;
        if (admitted && sim.current() != before) {
            metrics.layerSwitched();
            // Only a switch can have held a key frame back.
            int flush = sim.takeFlush();
            if (flush >= 0) {
                sendHeldKeyframe(to, track, layerSsrc, flush, seq, segment, nowNanos);
            }
        }
        if (sim.current() != sim.target() && sim.wantsKeyframe(nowNanos, pliMinIntervalNanos)) {
            requestLayerKeyframe(track, track.layers()[sim.target()], MediaMetrics.PliCause.LAYER_SWITCH);
        }
        return admitted;
    }

    /**
     * Sends subscriber {@code to} the packets {@code from} (inclusive) to {@code until} (exclusive) of a layer's key
     * frame from the layer's cache, rewritten into the new segment: the switch happened at the key frame's end, and
     * these went by while the subscriber still got its previous layer. Packets the cache lacks are skipped (the
     * subscriber NACKs them).
     */
    private void sendHeldKeyframe(Endpoint to, Track track, int layerSsrc, int from, int until,
            SimulcastStream.Segment segment, long nowNanos) {
        PacketCache cache = track.publisher().streams().cache(layerSsrc);
        SrtpSession keys = to.srtp();
        if (cache == null || keys == null) {
            return;
        }
        byte[] plain = heldPlain.get();
        PacketBuffer out = heldOut.get();
        int outSsrc = track.ssrc();
        int absId = to.streams().absSendTimeId();
        int abs = AbsSendTime.of(nowNanos);
        EgressStream egress = to.streams().egressOrCreate(outSsrc, track, limits, cache.capacity(), nowNanos);
        for (int s = from; s != until; s = (s + 1) & 0xFFFF) {
            int n = cache.copy(s, nowNanos, plain, 0);
            int h = n < 0 ? -1 : RtpPacket.headerLength(plain, 0, n);
            if (h < 0) {
                continue;
            }
            int payload = n - h - RtxPacket.padding(plain, 0, n);
            int len = AbsSendTime.copyWithOnly(plain, 0, n, h, out.getBuffer(), 0, absId, abs);
            if (len < 0) {
                continue;
            }
            segment.rewrite(out.getBuffer(), 0, len, len - (n - h), outSsrc);
            int m = protectAndSend(metrics, to, keys, out, len, outSsrc);
            if (m < 0) {
                continue;
            }
            metrics.rtpOut(m);
            egress.sent(payload);
        }
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
        to.send(out.getBuffer(), out.getOffset(), n);
        return n;
    }

    /**
     * Turns a publisher's RTX packet (already plain, payload type mapped) back into the original in place; returns
     * its length, or -1 when there is nothing to forward: padding only (a bandwidth probe) or a packet the cache
     * already holds (a redundant retransmission).
     */
    private int recover(Endpoint from, Track track, int mediaSsrc, byte[] buf, int offset, int length,
            long nowNanos) {
        Codec canonical = Codec.canonical(track.kind());
        int n = RtxPacket.unwrap(buf, offset, length, canonical.payloadType(), mediaSsrc);
        if (n == RtxPacket.MALFORMED) {
            metrics.drop(MediaMetrics.Drop.MALFORMED);
            return -1;
        }
        if (n == RtxPacket.PADDING_ONLY) {
            metrics.recovered(MediaMetrics.Recovered.PADDING);
            return -1;
        }
        PacketCache cache = from.streams().cache(mediaSsrc);
        if (cache != null && cache.contains(RtpPacket.sequenceNumber(buf, offset), nowNanos)) {
            metrics.recovered(MediaMetrics.Recovered.DUPLICATE);
            return -1;
        }
        return n;
    }

    private static int egressHistory(PacketCache cache) {
        return cache == null ? 16 : cache.capacity();
    }

    private void readRtcp(Endpoint from, byte[] buf, int offset, int length) {
        metrics.rtcpIn();
        SrtpSession keys = from.srtp();
        if (keys == null) {
            metrics.drop(MediaMetrics.Drop.NO_KEYS);
            return;
        }
        int sender = RtpPacket.ssrc32(buf, offset + 4);
        PacketBuffer in = inView.get().set(buf, offset, length);
        int plainLength = keys.unprotectRtcp(in, sender);
        if (plainLength < 0) {
            metrics.drop(MediaMetrics.Drop.SRTP_FAILED);
            return;
        }
        FeedbackRouter router = routers.get();
        router.from = from;
        if (RtcpCompound.parse(buf, offset, plainLength, router) == RtcpCompound.Result.MALFORMED) {
            metrics.drop(MediaMetrics.Drop.MALFORMED);
        }
        router.from = null;
    }

    @Override
    public void dropped(Endpoint from, String reason) {
        metrics.drop(switch (reason) {
            case "internal-error" -> MediaMetrics.Drop.INTERNAL_ERROR;
            case "no-ice-pair" -> MediaMetrics.Drop.NO_ICE_PAIR;
            case "send-failed" -> MediaMetrics.Drop.SEND_FAILED;
            default -> MediaMetrics.Drop.UNKNOWN_CLASS;
        });
    }

    /**
     * Sends a PLI for the track to its publisher unless one went out within the minimum interval. Called when a
     * subscriber starts receiving the track, and for PLI/FIR from subscribers. For a simulcast track the request is
     * for the layer {@code subscriber} receives (or is waiting for).
     */
    public void requestKeyframe(Endpoint subscriber, Track track, MediaMetrics.PliCause cause) {
        if (!"video".equals(track.kind())) {
            return;
        }
        if (track.isSimulcast()) {
            SimulcastStream sim = subscriber.streams().simulcast(track);
            int index;
            if (sim == null) {
                index = layers.initial(subscriber, track, System.nanoTime());
            } else {
                index = cause == MediaMetrics.PliCause.SUBSCRIBER && sim.current() >= 0 ? sim.current() : sim.target();
            }
            requestLayerKeyframe(track, track.layers()[index], cause);
            return;
        }
        requestPli(track, track.ssrc(), cause);
    }

    private void requestLayerKeyframe(Track track, Layer layer, MediaMetrics.PliCause cause) {
        if (layer.ssrc() != 0) {
            requestPli(track, layer.ssrc(), cause);
        }
    }

    /**
     * Sends the track's publisher a PLI for {@code mediaSsrc} if the rate limit allows it now; otherwise, or while the
     * publisher has no SRTP keys yet, the request is kept and {@link #sendDeferredKeyframeRequests} sends it when it
     * can (when several subscribers connect within one interval, the later ones would otherwise miss the key frame
     * the first one asked for, and wait for their own decoder to ask again).
     */
    private void requestPli(Track track, int mediaSsrc, MediaMetrics.PliCause cause) {
        if (track.publisher().srtp() == null
                || !track.claimKeyframeRequest(System.nanoTime(), pliMinIntervalNanos)) {
            metrics.pliSuppressed();
            track.deferKeyframeRequest(mediaSsrc);
            deferredKeyframes.add(track);
            return;
        }
        if (sendPli(track, mediaSsrc)) {
            metrics.pliSent(cause);
        }
    }

    /**
     * Sends the key frame requests held back by the rate limit whose interval has ended, for publishers that have
     * their keys; forgets those of publishers that left. Called by a node timer a few times per interval.
     */
    public void sendDeferredKeyframeRequests(long nowNanos) {
        deferredKeyframes.pass(track -> {
            if (track.publisher().isClosed()) {
                track.clearDeferredKeyframeRequest();
                return false;
            }
            if (track.publisher().srtp() != null) {
                int ssrc = track.takeDueKeyframeRequest(nowNanos, pliMinIntervalNanos);
                if (ssrc != 0 && sendPli(track, ssrc)) {
                    metrics.pliSent(MediaMetrics.PliCause.DEFERRED);
                }
            }
            return track.hasDeferredKeyframeRequest();
        });
    }

    private boolean sendPli(Track track, int mediaSsrc) {
        byte[] scratch = rtcpScratch.get();
        int n = RtcpWriter.pliCompound(scratch, 0, SFU_RTCP_SSRC, mediaSsrc);
        return track.publisher().sendRtcp(scratch, 0, n, SFU_RTCP_SSRC);
    }

    /** Routes feedback from one endpoint's RTCP compound; one per thread, reused. */
    private final class FeedbackRouter implements RtcpVisitor {
        Endpoint from;

        @Override
        public void pli(int senderSsrc, int mediaSsrc) {
            keyframe(mediaSsrc);
        }

        @Override
        public void fir(int senderSsrc, int targetSsrc, int sequenceNumber) {
            keyframe(targetSsrc);
        }

        @Override
        public void nack(int senderSsrc, int mediaSsrc, int packetId, int lostBitmask) {
            metrics.nackReceived();
            Room room = from.room();
            Track t = room == null ? null : room.trackBySsrc(mediaSsrc);
            if (t == null || t.publisher() == from || !from.forwards(t)) {
                return;
            }
            long missing = retransmitter.answer(from, t, mediaSsrc, packetId, lostBitmask, System.nanoTime());
            if (missing == Retransmitter.NONE_MISSING) {
                return;
            }
            // Not in the cache (lost before the SFU, or too old): the publisher may still have it; its RTX comes back
            // through recover() and fills the gap for every subscriber.
            int publisherSsrc = mediaSsrc;
            int first = (int) (missing >>> 16);
            int mask = (int) (missing & 0xFFFF);
            if (t.isSimulcast()) {
                // Back to the layer's SSRC and sequence numbers (the bitmask holds within one segment).
                SimulcastStream sim = from.streams().simulcast(t);
                SimulcastStream.Segment seg = sim == null ? null : sim.segmentFor(first);
                if (seg == null) {
                    return;
                }
                // Only the packets of the first one's segment (same layer, same offset) go in this NACK.
                int kept = 0;
                for (int bit = 0; bit < 16; bit++) {
                    if ((mask & (1 << bit)) != 0 && sim.segmentFor((first + bit + 1) & 0xFFFF) == seg) {
                        kept |= 1 << bit;
                    }
                }
                mask = kept;
                publisherSsrc = seg.layerSsrc();
                first = seg.originalSequence(first);
            }
            byte[] scratch = rtcpScratch.get();
            int n = RtcpWriter.nackCompound(scratch, 0, SFU_RTCP_SSRC, publisherSsrc, first, mask);
            if (t.publisher().sendRtcp(scratch, 0, n, SFU_RTCP_SSRC)) {
                metrics.nackForwarded();
            }
        }

        @Override
        public void senderInfo(int senderSsrc, long ntp, long rtpTimestamp, long packetCount, long octetCount) {
            IngressStream in = from.streams().ingress(senderSsrc);
            if (in != null) {
                in.statistics().senderReport(new SenderClock(ntp, rtpTimestamp, System.nanoTime()));
            }
        }

        @Override
        public void reportBlock(int reporterSsrc, int sourceSsrc, int fractionLost, int cumulativeLost,
                long extendedHighestSequence, long jitter, long lastSenderReport, long delaySinceLastSenderReport) {
            EgressStream out = from.streams().egress(sourceSsrc);
            if (out != null) {
                long rtt = out.receiverReport(lastSenderReport, delaySinceLastSenderReport, System.nanoTime());
                if (rtt >= 0) {
                    metrics.rtt(rtt);
                }
            }
        }

        @Override
        public void remb(int senderSsrc, long bitrateBps, int ssrcCount) {
            metrics.rembReceived();
            from.streams().rembReceived(bitrateBps, System.nanoTime());
        }

        private void keyframe(int mediaSsrc) {
            Room room = from.room();
            Track t = room == null ? null : room.trackBySsrc(mediaSsrc);
            if (t != null && t.publisher() != from && from.forwards(t)) {
                requestKeyframe(from, t, MediaMetrics.PliCause.SUBSCRIBER);
            }
        }
    }
}
