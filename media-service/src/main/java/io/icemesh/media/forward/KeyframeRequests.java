package io.icemesh.media.forward;

import io.icemesh.media.endpoint.Endpoint;
import io.icemesh.media.metrics.MediaMetrics;
import io.icemesh.media.rtcp.RtcpWriter;
import io.icemesh.media.stream.SimulcastStream;
import io.icemesh.media.track.Layer;
import io.icemesh.media.track.Track;

/**
 * Key frame requests to publishers: a fresh PLI from the SFU for the layer a subscriber receives or waits for, rate
 * limited per track; a request the limit (or a publisher without keys yet) holds back is sent when it can.
 */
final class KeyframeRequests {

    private final MediaMetrics metrics;
    private final LayerSelection layers;
    private final long pliMinIntervalNanos;
    /** Tracks with a key frame request held back (see {@link #requestPli}). */
    private final OnePassSet<Track> deferred = new OnePassSet<>();
    private final ThreadLocal<byte[]> scratch = ThreadLocal.withInitial(() -> new byte[64]);

    KeyframeRequests(MediaMetrics metrics, LayerSelection layers, long pliMinIntervalNanos) {
        this.metrics = metrics;
        this.layers = layers;
        this.pliMinIntervalNanos = pliMinIntervalNanos;
    }

    /**
     * Asks the track's publisher for a key frame: when a subscriber starts receiving the track, and for PLI/FIR from
     * subscribers. For a simulcast track the request is for the layer {@code subscriber} receives (or is waiting for).
     */
    void request(Endpoint subscriber, Track track, MediaMetrics.PliCause cause) {
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
            requestLayer(track, track.layers()[index], cause);
            return;
        }
        requestPli(track, track.ssrc(), cause);
    }

    /**
     * Asks a single stream's publisher for a key frame for {@code subscriber} unless a request for the track went out
     * within the interval (its key frame is on its way and reaches the subscriber like any packet): the fallback
     * when a key frame could not be replayed from the cache. Nothing is held back for later.
     */
    void requestUnlessRecent(Track track) {
        if (track.publisher().srtp() != null && track.claimKeyframeRequest(System.nanoTime(), pliMinIntervalNanos)
                && sendPli(track, track.ssrc())) {
            metrics.pliSent(MediaMetrics.PliCause.SUBSCRIBER_JOINED);
        }
    }

    /** Asks for a key frame of one simulcast layer, once its SSRC is known. */
    void requestLayer(Track track, Layer layer, MediaMetrics.PliCause cause) {
        if (layer.ssrc() != 0) {
            requestPli(track, layer.ssrc(), cause);
        }
    }

    /**
     * Sends the track's publisher a PLI for {@code mediaSsrc} if the rate limit allows it now; otherwise, or while the
     * publisher has no SRTP keys yet, the request is kept and {@link #sendDeferred} sends it when it can (when several
     * subscribers connect within one interval, the later ones would otherwise miss the key frame the first one asked
     * for, and wait for their own decoder to ask again).
     */
    private void requestPli(Track track, int mediaSsrc, MediaMetrics.PliCause cause) {
        if (track.publisher().srtp() == null
                || !track.claimKeyframeRequest(System.nanoTime(), pliMinIntervalNanos)) {
            metrics.pliSuppressed();
            track.deferKeyframeRequest(mediaSsrc);
            deferred.add(track);
            return;
        }
        if (sendPli(track, mediaSsrc)) {
            metrics.pliSent(cause);
        }
    }

    /**
     * Sends the requests held back by the rate limit whose interval has ended, for publishers that have their keys;
     * forgets those of publishers that left. Called by a node timer a few times per interval.
     */
    void sendDeferred(long nowNanos) {
        deferred.pass(track -> {
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
        byte[] b = scratch.get();
        int n = RtcpWriter.pliCompound(b, 0, Forwarder.SFU_RTCP_SSRC, mediaSsrc);
        return track.publisher().sendRtcp(b, 0, n, Forwarder.SFU_RTCP_SSRC);
    }
}
