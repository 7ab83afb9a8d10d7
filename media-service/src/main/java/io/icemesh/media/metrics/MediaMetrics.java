package io.icemesh.media.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
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
    public enum Drop { NO_KEYS, MALFORMED, UNKNOWN_SSRC, SRTP_FAILED, UNKNOWN_PAYLOAD_TYPE, UNKNOWN_CLASS }

    /** Why the SFU sent a PLI. */
    public enum PliCause { SUBSCRIBER_JOINED, SUBSCRIBER }

    private final LongAdder rtpPacketsIn = new LongAdder();
    private final LongAdder rtpBytesIn = new LongAdder();
    private final LongAdder rtpPacketsOut = new LongAdder();
    private final LongAdder rtpBytesOut = new LongAdder();
    private final LongAdder rtcpIn = new LongAdder();
    private final LongAdder nacks = new LongAdder();
    private final LongAdder nacksForwarded = new LongAdder();
    private final LongAdder pliSuppressed = new LongAdder();
    private final Map<Drop, LongAdder> drops = new EnumMap<>(Drop.class);
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
        counter("icemesh.media.pli.suppressed", pliSuppressed, "kind", "rate-limit", "PLIs not sent by the rate limit");
        for (Drop d : Drop.values()) {
            LongAdder a = new LongAdder();
            drops.put(d, a);
            counter("icemesh.media.drops", a, "reason", label(d), "Datagrams dropped");
        }
        for (PliCause c : PliCause.values()) {
            plis.put(c, Counter.builder("icemesh.media.pli.sent").tag("cause", label(c))
                    .description("PLIs sent to publishers").register(registry));
        }
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

    public void drop(Drop reason) {
        drops.get(reason).increment();
    }

    public void pliSent(PliCause cause) {
        plis.get(cause).increment();
    }

    public void pliSuppressed() {
        pliSuppressed.increment();
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
