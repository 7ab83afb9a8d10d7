package io.icemesh.media.forward;

import io.icemesh.media.endpoint.Endpoint;
import io.icemesh.media.endpoint.RoomMembers;
import io.icemesh.media.metrics.MediaMetrics;
import io.icemesh.media.rtcp.RtcpCompound;
import io.icemesh.media.rtcp.RtcpVisitor;
import io.icemesh.media.rtcp.RtcpWriter;
import io.icemesh.media.rtcp.SenderClock;
import io.icemesh.media.rtp.RtpPacket;
import io.icemesh.media.srtp.PacketBuffer;
import io.icemesh.media.srtp.SrtpSession;
import io.icemesh.media.stream.EgressStream;
import io.icemesh.media.stream.IngressStream;
import io.icemesh.media.stream.SimulcastStream;
import io.icemesh.media.track.Track;

/**
 * The forwarding path's RTCP stage, once per compound from an endpoint: decrypted and read. Key frame requests (PLI,
 * FIR) go to the publisher of the named SSRC through {@link KeyframeRequests}; NACKed packets are retransmitted from
 * the cache by the {@link Retransmitter}, and only those it lacks go on to the publisher; SR and RR end here (the SFU
 * sends its own, see {@link ReportScheduler}), their clocks and round trips kept; REMB estimates are kept for the
 * publisher's REMB.
 */
final class Feedback {

    private final MediaMetrics metrics;
    private final Retransmitter retransmitter;
    private final KeyframeRequests keyframes;
    private final ThreadLocal<PacketBuffer> view = ThreadLocal.withInitial(PacketBuffer::new);
    private final ThreadLocal<Router> routers = ThreadLocal.withInitial(Router::new);
    private final ThreadLocal<byte[]> scratch = ThreadLocal.withInitial(() -> new byte[64]);

    Feedback(MediaMetrics metrics, Retransmitter retransmitter, KeyframeRequests keyframes) {
        this.metrics = metrics;
        this.retransmitter = retransmitter;
        this.keyframes = keyframes;
    }

    void receive(Endpoint from, byte[] buf, int offset, int length) {
        metrics.rtcpIn();
        SrtpSession keys = from.srtp();
        if (keys == null) {
            metrics.drop(MediaMetrics.Drop.NO_KEYS);
            return;
        }
        int sender = RtpPacket.ssrc32(buf, offset + 4);
        int plainLength = keys.unprotectRtcp(view.get().set(buf, offset, length), sender);
        if (plainLength < 0) {
            metrics.drop(MediaMetrics.Drop.SRTP_FAILED);
            return;
        }
        Router router = routers.get();
        router.from = from;
        if (RtcpCompound.parse(buf, offset, plainLength, router) == RtcpCompound.Result.MALFORMED) {
            metrics.drop(MediaMetrics.Drop.MALFORMED);
        }
        router.from = null;
    }

    /** Routes feedback from one endpoint's RTCP compound; one per thread, reused. */
    private final class Router implements RtcpVisitor {
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
            Endpoint publisher = publisherOf(mediaSsrc);
            Track t = publisher == null ? null : publisher.publications().outgoing(mediaSsrc);
            if (t == null || !from.forwards(t)) {
                return;
            }
            long missing = retransmitter.answer(from, publisher, t, mediaSsrc, packetId, lostBitmask,
                    System.nanoTime());
            if (missing == Retransmitter.NONE_MISSING) {
                return;
            }
            // Not in the cache (lost before the SFU, or too old): the publisher may still have it; its RTX comes back
            // through the ingress and fills the gap for every subscriber.
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
            byte[] b = scratch.get();
            int n = RtcpWriter.nackCompound(b, 0, Forwarder.SFU_RTCP_SSRC, publisherSsrc, first, mask);
            if (publisher.sendRtcp(b, 0, n, Forwarder.SFU_RTCP_SSRC)) {
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
            Endpoint publisher = publisherOf(mediaSsrc);
            Track t = publisher == null ? null : publisher.publications().outgoing(mediaSsrc);
            if (t != null && from.forwards(t)) {
                keyframes.request(from, t, MediaMetrics.PliCause.SUBSCRIBER);
            }
        }

        /** Another member whose track subscribers receive on this SSRC, or null. */
        private Endpoint publisherOf(int ssrc) {
            RoomMembers room = from.room();
            Endpoint publisher = room == null ? null : room.publisherOfOutgoing(ssrc);
            return publisher == from ? null : publisher;
        }
    }
}
