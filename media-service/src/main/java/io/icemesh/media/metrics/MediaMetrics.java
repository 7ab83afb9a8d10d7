package io.icemesh.media.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/**
 * media-service meters, registered once with bounded labels, shown by Prometheus as {@code icemesh_media_*}. Packet
 * counters are {@link LongAdder}s read by function counters: one uncontended add on the forwarding path.
 */
public final class MediaMetrics {

    /** Why a datagram was dropped. */
    public enum Drop { NO_KEYS, MALFORMED, UNKNOWN_SSRC, SRTP_FAILED, UNKNOWN_PAYLOAD_TYPE, UNKNOWN_CLASS, INTERNAL_ERROR,
        NO_ICE_PAIR, SEND_FAILED }

    /** What became of one NACKed packet (one sequence number of a NACK entry). */
    public enum NackOutcome { RETRANSMITTED, RATE_LIMITED, TO_PUBLISHER }

    /** What became of an RTX packet from a publisher. */
    public enum Recovered { FORWARDED, CACHED_ONLY, DUPLICATE, PADDING }

    /** RTCP the SFU originates on its report timer. */
    public enum Report { SR, RR, REMB }

    /**
     * Forwarding latency buckets: from the packet reaching the forwarder (after ice4j's demultiplexing) to the last
     * subscriber's send returning; decryption, the cache copy and one encryption per subscriber are inside.
     */
    private static final Duration[] LATENCY_BUCKETS = {Duration.ofNanos(20_000), Duration.ofNanos(50_000),
            Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1),
            Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(50)};

    /** Why the SFU sent a PLI. */
    public enum PliCause { SUBSCRIBER_JOINED, SUBSCRIBER, LAYER_SWITCH, DEFERRED }

    private final LongAdder rtpPacketsIn = new LongAdder();
    private final LongAdder rtpBytesIn = new LongAdder();
    private final LongAdder rtpPacketsOut = new LongAdder();
    private final LongAdder rtpBytesOut = new LongAdder();
    private final LongAdder rtcpIn = new LongAdder();
    private final LongAdder nacks = new LongAdder();
    private final LongAdder nacksForwarded = new LongAdder();
    private final LongAdder keyframesReplayed = new LongAdder();
    private final LongAdder keyframesReplayedAtConnect = new LongAdder();
    private final LongAdder pliSuppressed = new LongAdder();
    private final Map<Drop, LongAdder> drops = new EnumMap<>(Drop.class);
    private final Map<NackOutcome, LongAdder> nackOutcomes = new EnumMap<>(NackOutcome.class);
    private final Map<Recovered, LongAdder> recovered = new EnumMap<>(Recovered.class);
    private final Map<Report, LongAdder> reports = new EnumMap<>(Report.class);
    private final LongAdder rtxPackets = new LongAdder();
    private final LongAdder rtxBytes = new LongAdder();
    private final LongAdder rembReceived = new LongAdder();
    private final LongAdder layerSwitches = new LongAdder();
    private final LongAdder targetsUp = new LongAdder();
    private final LongAdder targetsDown = new LongAdder();
    private final Timer forwardLatency;
    private final Timer rtt;
    private final Map<PliCause, Counter> plis = new EnumMap<>(PliCause.class);
    private final Counter iceConnected;
    private final Counter iceFailed;
    private final Counter iceRestarted;
    private final Counter dtlsConnected;
    private final Counter transportFailed;
    private final Timer iceTime;
    private final Timer dtlsTime;
    private final MeterRegistry registry;

    public MediaMetrics(MeterRegistry registry, IntSupplier endpoints) {
        this.registry = registry;
        Gauge.builder("icemesh.media.endpoints", endpoints::getAsInt).description("Endpoints on this node").register(registry);
        counter("icemesh.media.rtp.packets", rtpPacketsIn, "direction", "in", "RTP packets received");
        counter("icemesh.media.rtp.packets", rtpPacketsOut, "direction", "out", "RTP packets sent");
        FunctionCounter.builder("icemesh.media.rtp.bytes", rtpBytesIn, LongAdder::sum).tag("direction", "in")
                .baseUnit("bytes").description("SRTP bytes received").register(registry);
        FunctionCounter.builder("icemesh.media.rtp.bytes", rtpBytesOut, LongAdder::sum).tag("direction", "out")
                .baseUnit("bytes").description("SRTP bytes sent").register(registry);
        counter("icemesh.media.rtcp.packets", rtcpIn, "direction", "in", "RTCP compounds received");
        counter("icemesh.media.nack.received", nacks, "kind", "generic", "NACK entries received from subscribers");
        counter("icemesh.media.nack.forwarded", nacksForwarded, "kind", "generic", "NACKs sent on to publishers");
        counter("icemesh.media.keyframes.replayed", keyframesReplayed, "kind", "cache",
                "newest key frames sent from the cache to a subscriber that starts receiving a track");
        counter("icemesh.media.keyframes.replayed", keyframesReplayedAtConnect, "kind", "connect",
                "newest key frames sent from the cache to a subscriber that starts receiving a track");
        counter("icemesh.media.pli.suppressed", pliSuppressed, "kind", "rate-limit",
                "PLIs held back by the rate limit or until the publisher has keys (sent later as cause=deferred)");
        for (Drop d : Drop.values()) {
            LongAdder a = new LongAdder();
            drops.put(d, a);
            counter("icemesh.media.drops", a, "reason", label(d), "Datagrams dropped");
        }
        for (PliCause c : PliCause.values()) {
            plis.put(c, Counter.builder("icemesh.media.pli.sent").tag("cause", label(c))
                    .description("PLIs sent to publishers").register(registry));
        }
        for (NackOutcome o : NackOutcome.values()) {
            LongAdder a = new LongAdder();
            nackOutcomes.put(o, a);
            counter("icemesh.media.nack.packets", a, "outcome", label(o),
                    "NACKed packets: retransmitted from the SFU's cache, rate-limited, or asked of the publisher");
        }
        for (Recovered r : Recovered.values()) {
            LongAdder a = new LongAdder();
            recovered.put(r, a);
            counter("icemesh.media.rtx.received", a, "outcome", label(r), "RTX packets from publishers");
        }
        for (Report r : Report.values()) {
            LongAdder a = new LongAdder();
            reports.put(r, a);
            counter("icemesh.media.rtcp.reports", a, "type", label(r), "RTCP reports the SFU sent");
        }
        counter("icemesh.media.rtx.packets", rtxPackets, "direction", "out", "RTX retransmissions sent to subscribers");
        FunctionCounter.builder("icemesh.media.rtx.bytes", rtxBytes, LongAdder::sum).tag("direction", "out")
                .baseUnit("bytes").description("SRTP bytes of RTX retransmissions").register(registry);
        counter("icemesh.media.remb.received", rembReceived, "direction", "in", "REMB estimates from subscribers");
        counter("icemesh.media.simulcast.switches", layerSwitches, "kind", "keyframe",
                "Simulcast layer switches made for a subscriber (at a key frame of the new layer)");
        counter("icemesh.media.simulcast.target.changes", targetsUp, "direction", "up",
                "Subscribers' simulcast target layer raised (quality request or bandwidth)");
        counter("icemesh.media.simulcast.target.changes", targetsDown, "direction", "down",
                "Subscribers' simulcast target layer lowered (quality request or bandwidth)");
        forwardLatency = Timer.builder("icemesh.media.forward.latency")
                .description("Forwarder entry to the last subscriber's send, per forwarded packet")
                .serviceLevelObjectives(LATENCY_BUCKETS).register(registry);
        rtt = Timer.builder("icemesh.media.rtt")
                .description("Round trip to endpoints from their receiver reports on the SFU's sender reports")
                .serviceLevelObjectives(Duration.ofMillis(1), Duration.ofMillis(10), Duration.ofMillis(50),
                        Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1))
                .register(registry);
        iceConnected = Counter.builder("icemesh.media.ice.outcomes").tag("outcome", "connected").register(registry);
        iceFailed = Counter.builder("icemesh.media.ice.outcomes").tag("outcome", "failed").register(registry);
        iceRestarted = Counter.builder("icemesh.media.ice.outcomes").tag("outcome", "restarted")
                .description("ICE outcomes; restarted: a restarted agent connected").register(registry);
        dtlsConnected = Counter.builder("icemesh.media.dtls.outcomes").tag("outcome", "connected").register(registry);
        transportFailed = Counter.builder("icemesh.media.dtls.outcomes").tag("outcome", "failed").register(registry);
        iceTime = Timer.builder("icemesh.media.ice.connect.time").description("Allocate to ICE completed")
                .register(registry);
        dtlsTime = Timer.builder("icemesh.media.dtls.connect.time").description("Allocate to DTLS completed")
                .register(registry);
    }

    private void counter(String name, LongAdder adder, String tag, String value, String description) {
        FunctionCounter.builder(name, adder, LongAdder::sum).tag(tag, value).description(description).register(registry);
    }

    private static String label(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public void rtpIn(int bytes) {
        rtpPacketsIn.increment();
        rtpBytesIn.add(bytes);
    }

    public void rtpOut(int bytes) {
        rtpPacketsOut.increment();
        rtpBytesOut.add(bytes);
    }

    public void rtcpIn() {
        rtcpIn.increment();
    }

    public void nackReceived() {
        nacks.increment();
    }

    public void nackForwarded() {
        nacksForwarded.increment();
    }

    /** Counts what became of {@code packets} NACKed packets. */
    public void nackPackets(NackOutcome outcome, int packets) {
        nackOutcomes.get(outcome).add(packets);
    }

    public void recovered(Recovered outcome) {
        recovered.get(outcome).increment();
    }

    public void rtxSent(int bytes) {
        rtxPackets.increment();
        rtxBytes.add(bytes);
    }

    public void reportSent(Report type) {
        reports.get(type).increment();
    }

    public void rembReceived() {
        rembReceived.increment();
    }

    public void forwardLatency(long nanos) {
        forwardLatency.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void rtt(long nanos) {
        rtt.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** RTX retransmissions sent so far. */
    /** RTCP compounds received from endpoints so far. */
    public long rtcpPacketsIn() {
        return rtcpIn.sum();
    }

    public long rtxPacketsSent() {
        return rtxPackets.sum();
    }

    /** NACKed packets with this outcome so far. */
    public long nackPackets(NackOutcome outcome) {
        return nackOutcomes.get(outcome).sum();
    }

    public void drop(Drop reason) {
        drops.get(reason).increment();
    }

    public void pliSent(PliCause cause) {
        plis.get(cause).increment();
    }

    /** A subscriber was switched to another simulcast layer. */
    public void layerSwitched() {
        layerSwitches.increment();
    }

    public long layerSwitches() {
        return layerSwitches.sum();
    }

    /** A subscriber's target layer changed. */
    public void layerTargetChanged(boolean up) {
        (up ? targetsUp : targetsDown).increment();
    }

    public void pliSuppressed() {
        pliSuppressed.increment();
    }

    /** A subscriber's first packet of a track went after the track's newest key frame, replayed from the cache. */
    public void keyframeReplayed() {
        keyframesReplayed.increment();
    }

    /** A subscriber's DTLS completed and it got a track's newest key frame from the cache at once. */
    public void keyframeReplayedAtConnect() {
        keyframesReplayedAtConnect.increment();
    }

    public void iceConnected(long nanos) {
        iceConnected.increment();
        iceTime.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void iceRestarted() {
        iceRestarted.increment();
    }

    public void iceFailed() {
        iceFailed.increment();
    }

    public void dtlsConnected(long nanos) {
        dtlsConnected.increment();
        dtlsTime.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void dtlsFailed() {
        transportFailed.increment();
    }

    /** RTP packets sent so far (tests and load figures). */
    public long rtpPacketsOut() {
        return rtpPacketsOut.sum();
    }

    /** RTP packets received so far. */
    public long rtpPacketsIn() {
        return rtpPacketsIn.sum();
    }
}
