package io.icemesh.media.forward;

import io.icemesh.media.endpoint.Endpoint;
import io.icemesh.media.endpoint.NodeContext;
import io.icemesh.media.endpoint.RoomMembers;
import io.icemesh.media.metrics.MediaMetrics;
import io.icemesh.media.srtp.SrtpSession;
import io.icemesh.media.stream.RetransmissionLimits;
import io.icemesh.media.track.Track;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * The forwarding path, on the receive thread of the shared socket, in the stages of an SFU:
 * <ol>
 * <li>{@link Ingress}: a publisher's RTP decrypted once, identified (track, simulcast layer), RTX recovered, counted
 * and cached;</li>
 * <li>{@link FanOut}: per subscriber, layer chosen, rewritten, encrypted and sent;</li>
 * <li>{@link Feedback}: RTCP from any endpoint, routed (key frame requests through {@link KeyframeRequests}, NACKs
 * answered by the {@link Retransmitter} or sent on, reports and REMB kept).</li>
 * </ol>
 * The SFU's own RTCP reports are the {@link ReportScheduler}'s. One send runs elsewhere: a new subscriber's key frames
 * from the cache, on its DTLS thread before its keys reach the receive thread ({@link #keysReady}). No locks and no
 * allocation per packet on this path,
 * beyond what ice4j and jitsi-srtp do; a packet that meets a bug is dropped and counted, never the receive thread.
 */
public final class Forwarder implements NodeContext.PacketSink {

    /** The SSRC the SFU uses as sender of the RTCP it originates. */
    public static final int SFU_RTCP_SSRC = 0x1CE3ED1A;

    private static final Logger LOG = Logger.getLogger(Forwarder.class);
    /** Internal errors logged with their stack at most this many times per node (all are counted). */
    private static final int MAX_INTERNAL_ERRORS_LOGGED = 10;

    private final MediaMetrics metrics;
    private final LayerSelection layers;
    private final KeyframeRequests keyframes;
    private final Ingress ingress;
    private final FanOut fanOut;
    private final Feedback feedback;
    private final ThreadLocal<IngressPacket> packets = ThreadLocal.withInitial(IngressPacket::new);
    private final AtomicInteger internalErrorsLogged = new AtomicInteger();

    public Forwarder(MediaMetrics metrics, long pliMinIntervalNanos) {
        this(metrics, pliMinIntervalNanos, RetransmissionLimits.DEFAULT);
    }

    public Forwarder(MediaMetrics metrics, long pliMinIntervalNanos, RetransmissionLimits limits) {
        this(metrics, pliMinIntervalNanos, limits, new LayerSelection(metrics, 5_000_000_000L));
    }

    public Forwarder(MediaMetrics metrics, long pliMinIntervalNanos, RetransmissionLimits limits,
            LayerSelection layers) {
        this.metrics = metrics;
        this.layers = layers;
        this.keyframes = new KeyframeRequests(metrics, layers, pliMinIntervalNanos);
        this.ingress = new Ingress(metrics, limits);
        this.fanOut = new FanOut(metrics, limits, layers, keyframes, pliMinIntervalNanos);
        this.feedback = new Feedback(metrics, new Retransmitter(metrics), keyframes);
    }

    /** The simulcast layer selection (run on the report timer and on quality requests). */
    public LayerSelection layerSelection() {
        return layers;
    }

    @Override
    public void rtp(Endpoint from, byte[] buf, int offset, int length) {
        try {
            IngressPacket p = packets.get();
            if (!ingress.receive(from, buf, offset, length, System.nanoTime(), p)) {
                return;
            }
            RoomMembers room = from.room();
            if (room != null) {
                fanOut.send(from, room, buf, offset, p);
            }
        } catch (RuntimeException e) {
            internalError(from, e);
        }
    }

    @Override
    public void rtcp(Endpoint from, byte[] buf, int offset, int length) {
        try {
            feedback.receive(from, buf, offset, length);
        } catch (RuntimeException e) {
            internalError(from, e);
        }
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
     * A bug met by one packet must not end the shared socket's receive thread (ice4j's listener dies with it, and
     * every endpoint on the port with it): the packet is dropped and counted, and the first few are logged.
     */
    private void internalError(Endpoint from, RuntimeException e) {
        metrics.drop(MediaMetrics.Drop.INTERNAL_ERROR);
        if (internalErrorsLogged.getAndIncrement() < MAX_INTERNAL_ERRORS_LOGGED) {
            LOG.errorf(e, "endpoint %s: packet dropped on an internal error", from.id());
        }
    }

    /**
     * Asks the track's publisher for a key frame (rate limited per track, held back and sent later when the limit
     * allows): when a subscriber starts receiving it. For a simulcast track, the layer the subscriber receives or
     * waits for.
     */
    public void requestKeyframe(Endpoint subscriber, Track track, MediaMetrics.PliCause cause) {
        keyframes.request(subscriber, track, cause);
    }

    /**
     * A subscriber's DTLS completed: it needs a key frame of every track it is forwarded, except those whose newest
     * key frame is recent enough to be replayed to it from the cache (asked for when it was placed; see
     * {@link FanOut}).
     */
    public void subscriberConnected(Endpoint subscriber) {
        long now = System.nanoTime();
        RoomMembers room = subscriber.room();
        for (Track t : subscriber.forwardedTracks()) {
            Endpoint publisher = room == null ? null : room.publisherOf(t);
            if (publisher == null || !FanOut.keyframeReady(publisher, t, now)) {
                keyframes.request(subscriber, t, MediaMetrics.PliCause.SUBSCRIBER_JOINED);
            }
        }
    }

    /**
     * A subscriber's DTLS completed: each single-stream video track it is forwarded goes to it now with its newest
     * key frame from the publisher's cache (see {@link FanOut#replayOnConnect}), before its keys are published.
     */
    @Override
    public boolean keysReady(Endpoint subscriber, SrtpSession keys) {
        RoomMembers room = subscriber.room();
        if (room == null) {
            return false;
        }
        long now = System.nanoTime();
        boolean sent = false;
        for (Track t : subscriber.forwardedTracks()) {
            Endpoint publisher = t.keyframesReplayable() ? room.publisherOf(t) : null;
            if (publisher != null && publisher != subscriber) {
                sent |= fanOut.replayOnConnect(publisher, subscriber, keys, t, now);
            }
        }
        return sent;
    }

    /** Sends the key frame requests held back whose interval has ended; a node timer calls it. */
    public void sendDeferredKeyframeRequests(long nowNanos) {
        keyframes.sendDeferred(nowNanos);
    }
}
