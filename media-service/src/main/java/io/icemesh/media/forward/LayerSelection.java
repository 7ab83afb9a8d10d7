package io.icemesh.media.forward;

import io.icemesh.media.endpoint.Endpoint;
import io.icemesh.media.metrics.MediaMetrics;
import io.icemesh.media.stream.EndpointStreams;
import io.icemesh.media.stream.Quality;
import io.icemesh.media.stream.SimulcastStream;
import io.icemesh.media.track.Layer;
import io.icemesh.media.track.Track;

/**
 * Chooses each subscriber's layer of each simulcast track it receives: the best layer the publisher is sending now
 * that the subscriber's requested {@link Quality} allows and its bandwidth estimate can carry. Run on the report
 * timer and when a subscriber asks for a quality; the switch itself waits for the layer's next key frame
 * ({@link SimulcastStream}).
 *
 * <p>Layers are ranked by the width of their last key frame when every active layer has shown one, else by the
 * publisher's a=simulcast order (lowest first, as browsers send it). A subscriber that asked for {@code low},
 * {@code medium} or {@code high} gets that layer. One on {@code auto} (the default) follows its estimate: its REMB
 * split evenly over the video streams it receives, as for the publisher's REMB. A layer above the current one is taken
 * only when its measured rate fits the estimate; the current one and those below stay while their rate is under
 * {@link #KEEP_FACTOR} times it, because a receiver's estimate follows what it receives and would otherwise bounce the
 * subscriber down. Without an estimate the best layer is taken. The SFU sends no padding to probe for more: after a
 * congestion down-switch an {@code auto} subscriber climbs back only as its estimate grows past the next layer's rate.
 */
public final class LayerSelection {

    /** The current layer (and lower) is kept while its rate is below the estimate times this. */
    static final double KEEP_FACTOR = 1.25;

    private final MediaMetrics metrics;
    private final long rembMaxAgeNanos;

    public LayerSelection(MediaMetrics metrics, long rembMaxAgeNanos) {
        this.metrics = metrics;
        this.rembMaxAgeNanos = rembMaxAgeNanos;
    }

    /** Re-chooses the target layer of every simulcast track {@code subscriber} receives. */
    public void select(Endpoint subscriber, long nowNanos) {
        EndpointStreams streams = subscriber.streams();
        SimulcastStream[] sims = streams.simulcastStreams();
        if (sims.length == 0) {
            return;
        }
        long share = share(subscriber, nowNanos);
        for (SimulcastStream s : sims) {
            Track t = s.track();
            int before = s.target();
            int chosen = choose(t.layers(), streams.quality(t.source().trackId()), share, s.current(), nowNanos);
            if (chosen >= 0 && chosen != before) {
                s.target(chosen);
                if (metrics != null) {
                    metrics.layerTargetChanged(rank(t.layers(), chosen, nowNanos) > rank(t.layers(), before, nowNanos));
                }
            }
        }
    }

    /** The first target of a subscriber that starts receiving {@code track}. */
    public int initial(Endpoint subscriber, Track track, long nowNanos) {
        int chosen = choose(track.layers(), subscriber.streams().quality(track.source().trackId()),
                share(subscriber, nowNanos), -1, nowNanos);
        return chosen >= 0 ? chosen : track.layers().length - 1;
    }

    private long share(Endpoint subscriber, long nowNanos) {
        long remb = subscriber.streams().rembEstimate(nowNanos, rembMaxAgeNanos);
        if (remb < 0) {
            return -1;
        }
        int video = 0;
        for (Track t : subscriber.forwardedTracks()) {
            if ("video".equals(t.kind())) {
                video++;
            }
        }
        return remb / Math.max(1, video);
    }

    /**
     * The layer index to forward, or -1 when no layer is active (keep what there is).
     *
     * @param share the subscriber's estimate for this stream in bit/s, negative when it has none
     * @param current the layer index forwarded now, -1 for none
     */
    static int choose(Layer[] layers, Quality quality, long share, int current, long nowNanos) {
        int[] order = order(layers, nowNanos);
        int active = order.length;
        if (active == 0) {
            return -1;
        }
        int maxRank = Math.min(active - 1, quality.maxRank(active));
        if (share < 0 || quality != Quality.AUTO) {
            // An explicit request is served as asked, whatever the estimate says: a receiver's REMB follows what it
            // receives (libwebrtc never raises it above about 1.5 times the incoming rate plus 10 kbit/s without
            // probing, and only by 8 % a second), so on q it could never show room for the layer asked for.
            return order[maxRank];
        }
        int currentRank = -1;
        for (int r = 0; r < active; r++) {
            if (order[r] == current) {
                currentRank = r;
            }
        }
        for (int r = maxRank; r > 0; r--) {
            long rate = layers[order[r]].bitrateBps();
            boolean fits = r <= currentRank ? rate <= share * KEEP_FACTOR : rate <= share;
            if (fits) {
                return order[r];
            }
        }
        return order[0];
    }

    /** Active layers' indices, lowest quality first. */
    static int[] order(Layer[] layers, long nowNanos) {
        // One pass: the publisher's thread may make a layer active meanwhile, so activity is read once per layer.
        int[] all = new int[layers.length];
        int n = 0;
        boolean widths = true;
        for (Layer l : layers) {
            if (l.active(nowNanos)) {
                all[n++] = l.index();
                widths &= l.width() > 0;
            }
        }
        int[] out = java.util.Arrays.copyOf(all, n);
        if (widths) {
            // insertion sort by width, stable: at most four layers
            for (int a = 1; a < n; a++) {
                int v = out[a];
                int b = a - 1;
                while (b >= 0 && layers[out[b]].width() > layers[v].width()) {
                    out[b + 1] = out[b];
                    b--;
                }
                out[b + 1] = v;
            }
        }
        return out;
    }

    private static int rank(Layer[] layers, int index, long nowNanos) {
        int[] order = order(layers, nowNanos);
        for (int r = 0; r < order.length; r++) {
            if (order[r] == index) {
                return r;
            }
        }
        return -1;
    }
}
