package io.icemesh.media.stream;

import io.icemesh.media.track.Track;
import java.util.Arrays;
import java.util.Set;

/**
 * The per-stream state the SFU keeps for one endpoint: the streams it receives from it (by the publisher's SSRC) and
 * the streams it sends it (by SSRC), plus what the endpoint said about its bandwidth (REMB) and which header
 * extension id it gave abs-send-time. Lookups scan small copy-on-write arrays without locking or allocating; entries
 * are made on a stream's first packet, under this object's lock, and bounded by the endpoint's published and
 * forwarded SSRCs ({@link #retainEgress} drops streams no longer forwarded).
 */
public final class EndpointStreams {

    private static final IngressStream[] NO_INGRESS = new IngressStream[0];
    private static final EgressStream[] NO_EGRESS = new EgressStream[0];

    private volatile IngressStream[] ingress = NO_INGRESS;
    private volatile EgressStream[] egress = NO_EGRESS;
    private volatile long rembBps = -1;
    private volatile long rembAtNanos;
    private volatile int absSendTimeId;
    private static final SimulcastStream[] NO_SIMULCAST = new SimulcastStream[0];
    /** Most per-track quality requests kept (a subscriber names tracks it receives; this bounds a misbehaving one). */
    static final int MAX_QUALITY_REQUESTS = 64;
    private volatile SimulcastStream[] simulcast = NO_SIMULCAST;
    private volatile Quality quality = Quality.AUTO;
    private final java.util.Map<String, Quality> trackQuality = new java.util.concurrent.ConcurrentHashMap<>();

    /** The stream received on this media SSRC, or null before its first packet. */
    public IngressStream ingress(int ssrc) {
        for (IngressStream s : ingress) {
            if (s.ssrc() == ssrc) {
                return s;
            }
        }
        return null;
    }

    /** Every received stream. */
    public IngressStream[] ingressStreams() {
        return ingress;
    }

    /**
     * The packet cache of the stream this endpoint publishes on {@code originalSsrc}, or null: the one lookup NACK
     * handling needs (simulcast maps a subscriber's sequence numbers back to a layer's SSRC and calls this).
     */
    public PacketCache cache(int originalSsrc) {
        IngressStream s = ingress(originalSsrc);
        return s == null ? null : s.cache();
    }

    public synchronized IngressStream ingressOrCreate(int ssrc, Track track, RetransmissionLimits limits, long nowNanos) {
        IngressStream s = ingress(ssrc);
        if (s == null) {
            boolean video = "video".equals(track.kind());
            boolean cached = video && track.source().rtxSsrc() != 0;
            s = new IngressStream(ssrc, track, video ? 90_000 : 48_000,
                    cached ? new PacketCache(limits.cachePackets(), limits.cacheMaxAgeNanos()) : null, nowNanos);
            IngressStream[] next = Arrays.copyOf(ingress, ingress.length + 1);
            next[next.length - 1] = s;
            ingress = next;
        }
        return s;
    }

    /** The stream sent on this SSRC, or null before its first packet. */
    public EgressStream egress(int ssrc) {
        for (EgressStream s : egress) {
            if (s.ssrc() == ssrc) {
                return s;
            }
        }
        return null;
    }

    /** Every sent stream. */
    public EgressStream[] egressStreams() {
        return egress;
    }

    public synchronized EgressStream egressOrCreate(int ssrc, Track track, RetransmissionLimits limits, int cacheCapacity,
            long nowNanos) {
        EgressStream s = egress(ssrc);
        if (s == null) {
            s = new EgressStream(track, ssrc, limits, cacheCapacity, nowNanos);
            EgressStream[] next = Arrays.copyOf(egress, egress.length + 1);
            next[next.length - 1] = s;
            egress = next;
        }
        return s;
    }

    /** This subscriber's layer state for a simulcast track, or null before the track's first packet to it. */
    public SimulcastStream simulcast(Track track) {
        for (SimulcastStream s : simulcast) {
            if (s.track() == track) {
                return s;
            }
        }
        return null;
    }

    /** Every simulcast track's layer state. */
    public SimulcastStream[] simulcastStreams() {
        return simulcast;
    }

    public synchronized SimulcastStream simulcastOrCreate(Track track, int target, int maxHeldKeyframe) {
        SimulcastStream s = simulcast(track);
        if (s == null) {
            s = new SimulcastStream(track, target, maxHeldKeyframe);
            SimulcastStream[] next = Arrays.copyOf(simulcast, simulcast.length + 1);
            next[next.length - 1] = s;
            simulcast = next;
        }
        return s;
    }

    /**
     * Records the subscriber's requested quality for one track it receives (by its track id) or, with a null
     * {@code trackId}, for all (which also clears per-track requests). Returns false when too many tracks are named.
     */
    public boolean requestQuality(String trackId, Quality q) {
        if (trackId == null) {
            quality = q;
            trackQuality.clear();
            return true;
        }
        if (!trackQuality.containsKey(trackId) && trackQuality.size() >= MAX_QUALITY_REQUESTS) {
            return false;
        }
        trackQuality.put(trackId, q);
        return true;
    }

    /** The quality requested for the track with this id: its own request, else the subscriber's, else AUTO. */
    public Quality quality(String trackId) {
        Quality q = trackId == null ? null : trackQuality.get(trackId);
        return q != null ? q : quality;
    }

    /** Forgets sent streams whose track is no longer forwarded to this endpoint. */
    public synchronized void retainEgress(Set<Track> forwarded) {
        SimulcastStream[] sims = simulcast;
        int keepSims = 0;
        for (SimulcastStream s : sims) {
            if (forwarded.contains(s.track())) {
                keepSims++;
            }
        }
        if (keepSims != sims.length) {
            SimulcastStream[] next = new SimulcastStream[keepSims];
            int j = 0;
            for (SimulcastStream s : sims) {
                if (forwarded.contains(s.track())) {
                    next[j++] = s;
                }
            }
            simulcast = next;
        }
        EgressStream[] now = egress;
        int keep = 0;
        for (EgressStream s : now) {
            if (forwarded.contains(s.track())) {
                keep++;
            }
        }
        if (keep == now.length) {
            return;
        }
        EgressStream[] next = new EgressStream[keep];
        int i = 0;
        for (EgressStream s : now) {
            if (forwarded.contains(s.track())) {
                next[i++] = s;
            }
        }
        egress = next;
    }

    /** Records a REMB from this endpoint (as a subscriber): its estimate of what it can receive, in bit/s. */
    public void rembReceived(long bitrateBps, long nowNanos) {
        rembAtNanos = nowNanos;
        rembBps = bitrateBps;
    }

    /** The last REMB estimate if it is younger than {@code maxAgeNanos}, else -1. */
    public long rembEstimate(long nowNanos, long maxAgeNanos) {
        long bps = rembBps;
        return bps >= 0 && nowNanos - rembAtNanos <= maxAgeNanos ? bps : -1;
    }

    /** Receiver reports the SFU sent this endpoint, and when the first went; the report thread's only. */
    private int receiverReports;
    private long firstReceiverReportNanos;

    /** Counts a receiver report sent to this endpoint (report thread only). */
    public void receiverReportSent(long nowNanos) {
        if (receiverReports++ == 0) {
            firstReceiverReportNanos = nowNanos;
        }
    }

    /** Receiver reports sent to this endpoint so far (report thread only). */
    public int receiverReports() {
        return receiverReports;
    }

    /** When the first receiver report went to this endpoint (report thread only; meaningless before it). */
    public long firstReceiverReportNanos() {
        return firstReceiverReportNanos;
    }

    /** The one-byte header extension id the endpoint's answer gave abs-send-time, 0 when not negotiated. */
    public int absSendTimeId() {
        return absSendTimeId;
    }

    public void absSendTimeId(int id) {
        absSendTimeId = id >= 1 && id <= 14 ? id : 0;
    }
}
