package io.icemesh.media.forward;

import io.icemesh.media.endpoint.Endpoint;
import io.icemesh.media.endpoint.NodeContext;
import io.icemesh.media.endpoint.Track;
import io.icemesh.media.ice.PacketPool;
import io.icemesh.media.metrics.MediaMetrics;
import io.icemesh.media.room.Room;
import io.icemesh.media.rtcp.RtcpCompound;
import io.icemesh.media.rtcp.RtcpVisitor;
import io.icemesh.media.rtcp.RtcpWriter;
import io.icemesh.media.rtp.RtpPacket;
import io.icemesh.media.srtp.PacketBuffer;
import io.icemesh.media.srtp.SrtpSession;

/**
 * The forwarding path, on the receive thread of the shared socket: SRTP is decrypted once per packet from a publisher,
 * the payload type mapped to the SFU's, and the packet encrypted once per subscriber into a per-thread scratch
 * buffer and sent. RTCP from an endpoint is decrypted and read: key frame requests (PLI, FIR) go to the publisher of
 * the named SSRC as a fresh PLI, rate limited per track; NACK entries go to the publisher as NACKs from the SFU
 * (it retransmits over RTX, forwarded like any packet); SR and RR end here (the SFU does not yet
 * send its own reports). No locks and no allocation per packet on this path, beyond what ice4j and jitsi-srtp do.
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

    public Forwarder(MediaMetrics metrics, long pliMinIntervalNanos) {
        this.metrics = metrics;
        this.pliMinIntervalNanos = pliMinIntervalNanos;
    }

    @Override
    public void rtp(Endpoint from, byte[] buf, int offset, int length) {
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
        if (track == null) {
            metrics.drop(MediaMetrics.Drop.UNKNOWN_SSRC);
            return;
        }
        PacketBuffer in = inView.get().set(buf, offset, length);
        int plainLength = keys.unprotectRtp(in, ssrc);
        if (plainLength < 0) {
            metrics.drop(MediaMetrics.Drop.SRTP_FAILED);
            return;
        }
        int pt = track.canonicalPayloadType(RtpPacket.payloadType(buf, offset));
        if (pt < 0) {
            metrics.drop(MediaMetrics.Drop.UNKNOWN_PAYLOAD_TYPE);
            return;
        }
        RtpPacket.setPayloadType(buf, offset, pt);
        from.markFirstRtpIn();
        Room room = from.room();
        if (room == null) {
            return;
        }
        PacketBuffer out = outView.get();
        for (Endpoint to : room.members()) {
            if (to == from || !to.forwards(track)) {
                continue;
            }
            SrtpSession toKeys = to.srtp();
            if (toKeys == null) {
                continue;
            }
            byte[] scratch = out.getBuffer();
            System.arraycopy(buf, offset, scratch, 0, plainLength);
            out.set(scratch, 0, plainLength);
            int n = toKeys.protectRtp(out, ssrc);
            if (n < 0) {
                metrics.drop(MediaMetrics.Drop.SRTP_FAILED);
                continue;
            }
            to.send(out.getBuffer(), out.getOffset(), n);
            metrics.rtpOut(n);
            to.markFirstRtpOut();
        }
    }

    @Override
    public void rtcp(Endpoint from, byte[] buf, int offset, int length) {
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
        metrics.drop(MediaMetrics.Drop.UNKNOWN_CLASS);
    }

    /**
     * Sends a PLI for the track to its publisher unless one went out within the minimum interval. Called when a
     * subscriber starts receiving the track, and for PLI/FIR from subscribers.
     */
    public void requestKeyframe(Track track, MediaMetrics.PliCause cause) {
        if (!"video".equals(track.kind())) {
            return;
        }
        if (!track.claimKeyframeRequest(System.nanoTime(), pliMinIntervalNanos)) {
            metrics.pliSuppressed();
            return;
        }
        byte[] scratch = rtcpScratch.get();
        int n = RtcpWriter.pliCompound(scratch, 0, SFU_RTCP_SSRC, track.ssrc());
        if (track.publisher().sendRtcp(scratch, 0, n, SFU_RTCP_SSRC)) {
            metrics.pliSent(cause);
        }
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
            // The SFU keeps no packet cache yet: the publisher retransmits (RTX), and the retransmission is forwarded
            // like any packet of the track.
            Room room = from.room();
            Track t = room == null ? null : room.trackBySsrc(mediaSsrc);
            if (t != null && t.publisher() != from && from.forwards(t)) {
                byte[] scratch = rtcpScratch.get();
                int n = RtcpWriter.nackCompound(scratch, 0, SFU_RTCP_SSRC, mediaSsrc, packetId, lostBitmask);
                if (t.publisher().sendRtcp(scratch, 0, n, SFU_RTCP_SSRC)) {
                    metrics.nackForwarded();
                }
            }
        }

        private void keyframe(int mediaSsrc) {
            Room room = from.room();
            Track t = room == null ? null : room.trackBySsrc(mediaSsrc);
            if (t != null && t.publisher() != from && from.forwards(t)) {
                requestKeyframe(t, MediaMetrics.PliCause.SUBSCRIBER);
            }
        }
    }
}
