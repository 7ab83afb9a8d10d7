package io.icemesh.media.forward;

import io.icemesh.media.endpoint.Endpoint;
import io.icemesh.media.metrics.MediaMetrics;
import io.icemesh.media.rtp.RtpPacket;
import io.icemesh.media.rtp.RtxPacket;
import io.icemesh.media.rtp.Vp8Descriptor;
import io.icemesh.media.sdp.Codec;
import io.icemesh.media.srtp.PacketBuffer;
import io.icemesh.media.srtp.SrtpSession;
import io.icemesh.media.stream.IngressStream;
import io.icemesh.media.stream.PacketCache;
import io.icemesh.media.stream.RetransmissionLimits;
import io.icemesh.media.track.Layer;
import io.icemesh.media.track.Publications;
import io.icemesh.media.track.Track;

/**
 * The forwarding path's first stage, once per packet from a publisher: SRTP decrypted in place, the track and
 * simulcast layer identified (a layer's SSRC learnt from its rid once SRTP authenticated it), the payload type mapped
 * to the SFU's, RTX turned back into the original packet (RFC 4588), the packet counted for the SFU's receiver
 * reports and kept in the stream's {@link PacketCache}. Every packet that ends here is counted by reason.
 */
final class Ingress {

    /** Recovered packets further behind the highest sent than this are cached but not forwarded: jitsi-srtp's
     *  sending context refuses indices more than 64 behind (its replay window), so leave a margin. */
    private static final int MAX_RECOVERED_LAG = 48;

    private final MediaMetrics metrics;
    private final RetransmissionLimits limits;
    private final ThreadLocal<PacketBuffer> view = ThreadLocal.withInitial(PacketBuffer::new);

    Ingress(MediaMetrics metrics, RetransmissionLimits limits) {
        this.metrics = metrics;
        this.limits = limits;
    }

    /**
     * Takes one RTP packet from {@code from}; returns true with {@code p} filled when it is to be forwarded, false
     * when it ends here (dropped, padding, a duplicate, or recovered too late to forward).
     */
    boolean receive(Endpoint from, byte[] buf, int offset, int length, long receivedNanos, IngressPacket p) {
        metrics.rtpIn(length);
        SrtpSession keys = from.srtp();
        if (keys == null) {
            metrics.drop(MediaMetrics.Drop.NO_KEYS);
            return false;
        }
        if (RtpPacket.headerLength(buf, offset, length) < 0) {
            metrics.drop(MediaMetrics.Drop.MALFORMED);
            return false;
        }
        int ssrc = RtpPacket.ssrc(buf, offset);
        Publications publications = from.publications();
        Track track = publications.incoming(ssrc);
        Publications.LayerClaim claim = null;
        if (track == null) {
            // A simulcast layer's first packets name it in header extensions (which SRTP leaves in clear); the SSRC
            // is learnt once SRTP has authenticated the packet.
            claim = publications.identifyLayer(buf, offset, length);
            if (claim == null) {
                metrics.drop(MediaMetrics.Drop.UNKNOWN_SSRC);
                return false;
            }
            track = claim.track();
        }
        int plainLength = keys.unprotectRtp(view.get().set(buf, offset, length), ssrc);
        if (plainLength < 0) {
            metrics.drop(MediaMetrics.Drop.SRTP_FAILED);
            return false;
        }
        if (claim != null) {
            publications.learnLayerSsrc(claim, ssrc);
        }
        int pt = track.canonicalPayloadType(RtpPacket.payloadType(buf, offset));
        if (pt < 0) {
            metrics.drop(MediaMetrics.Drop.UNKNOWN_PAYLOAD_TYPE);
            return false;
        }
        RtpPacket.setPayloadType(buf, offset, pt);
        from.markFirstRtpIn();
        boolean recovered = track.isRtxSsrc(ssrc);
        if (recovered) {
            int mediaSsrc = track.mediaSsrcOf(ssrc);
            if (mediaSsrc == 0) {
                metrics.drop(MediaMetrics.Drop.UNKNOWN_SSRC);
                return false;
            }
            plainLength = recover(from, track, mediaSsrc, buf, offset, plainLength, receivedNanos);
            if (plainLength < 0) {
                return false;
            }
            ssrc = mediaSsrc;
        }
        Layer layer = null;
        if (track.isSimulcast()) {
            layer = track.layerOf(ssrc);
            if (layer == null) {
                metrics.drop(MediaMetrics.Drop.UNKNOWN_SSRC);
                return false;
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
            return false;
        }
        if (recovered) {
            metrics.recovered(MediaMetrics.Recovered.FORWARDED);
        }
        int header = RtpPacket.headerLength(buf, offset, plainLength);
        if (header < 0) {
            metrics.drop(MediaMetrics.Drop.MALFORMED);
            return false;
        }
        int payloadOctets = plainLength - header - RtxPacket.padding(buf, offset, plainLength);
        boolean keyframeStart = false;
        if (layer != null) {
            layer.packet(plainLength, receivedNanos);
            keyframeStart = Vp8Descriptor.isKeyframeStart(buf, offset + header, payloadOctets);
            if (keyframeStart) {
                layer.width(Vp8Descriptor.keyframeWidth(buf, offset + header, payloadOctets));
            }
        } else if (cache != null) {
            // A cached single stream (VP8 with RTX): its newest key frame is replayed to a subscriber that starts
            // receiving it (FanOut), instead of that subscriber waiting for the publisher's answer to a request.
            keyframeStart = Vp8Descriptor.isKeyframeStart(buf, offset + header, payloadOctets);
            if (keyframeStart && !recovered) {
                in.keyframeStarted(seq, receivedNanos);
            }
        }
        p.track = track;
        p.layer = layer;
        p.ssrc = ssrc;
        p.sequenceNumber = seq;
        p.length = plainLength;
        p.headerLength = header;
        p.payloadOctets = payloadOctets;
        p.keyframeStart = keyframeStart;
        p.stream = in;
        p.cache = cache;
        p.receivedNanos = receivedNanos;
        return true;
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
}
