package io.icemesh.media.forward;

import io.icemesh.media.endpoint.Endpoint;
import io.icemesh.media.endpoint.RoomMembers;
import io.icemesh.media.metrics.MediaMetrics;
import io.icemesh.media.rtcp.ReceiveStatistics;
import io.icemesh.media.rtcp.RtcpWriter;
import io.icemesh.media.rtcp.SenderClock;
import io.icemesh.media.stream.EgressStream;
import io.icemesh.media.stream.EndpointStreams;
import io.icemesh.media.stream.IngressStream;
import io.icemesh.media.stream.SimulcastStream;
import io.icemesh.media.track.Track;

/**
 * The RTCP the SFU originates on a timer, one run per interval on one thread (RFC 3550 section 6: reports end at
 * the SFU, which reports for itself):
 * <ul>
 * <li>to each publisher, a receiver report from {@link Forwarder#SFU_RTCP_SSRC} with a block per stream the SFU
 * receives from it (fraction and cumulative lost, extended highest sequence number, jitter, LSR/DLSR of its last
 * SR), followed by a REMB for its video streams ({@link RembPolicy});</li>
 * <li>to each subscriber, a sender report per stream it is forwarded, from that stream's SSRC: NTP and RTP time
 * extrapolated from the publisher's last SR (so the subscriber keeps the publisher's audio/video mapping), and the
 * packets and payload octets the SFU sent that subscriber. A stream whose publisher sent no SR yet gets none.</li>
 * </ul>
 * The fixed interval has no RFC 3550 randomisation: there is one sender of these reports per endpoint, not a group.
 */
public final class ReportScheduler {

    /** A compound stays under a typical path MTU after SRTCP's index and tag. */
    static final int MAX_COMPOUND = 1100;
    /** Sender reports of a compound at most, so it fits {@link #MAX_COMPOUND}. */
    private static final int MAX_SR_PER_COMPOUND = MAX_COMPOUND / RtcpWriter.SR_LENGTH;

    private final MediaMetrics metrics;
    private final long intervalNanos;
    private final long rembCapBps;
    private final long rembMaxAgeNanos;
    private final byte[] buf = new byte[MAX_COMPOUND + RtcpWriter.rembLength(RtcpWriter.MAX_REPORT_BLOCKS)];
    private final int[] rembSsrcs = new int[RtcpWriter.MAX_REPORT_BLOCKS];
    private long[] estimates = new long[8];
    private int[] videoStreams = new int[8];

    /**
     * @param intervalNanos how often {@link #run} is called
     * @param rembCapBps the most the SFU ever tells a publisher it may send (bit/s); 0 sends no REMB
     * @param rembMaxAgeNanos subscriber estimates older than this are ignored
     */
    public ReportScheduler(MediaMetrics metrics, long intervalNanos, long rembCapBps, long rembMaxAgeNanos) {
        this.metrics = metrics;
        this.intervalNanos = intervalNanos;
        this.rembCapBps = rembCapBps;
        this.rembMaxAgeNanos = rembMaxAgeNanos;
    }

    /** Sends every endpoint its reports; call from one thread only. Never throws for one endpoint's state. */
    public void run(Endpoint[] endpoints, long nowNanos) {
        for (Endpoint ep : endpoints) {
            if (ep.isClosed() || ep.srtp() == null) {
                continue;
            }
            ep.streams().retainEgress(ep.forwardedTracks());
            receiverReport(ep, nowNanos);
            senderReports(ep, nowNanos);
        }
    }

    private void receiverReport(Endpoint publisher, long nowNanos) {
        EndpointStreams state = publisher.streams();
        IngressStream[] streams = state.ingressStreams();
        if (streams.length == 0) {
            return;
        }
        if (state.receiverReports() == 1 && nowNanos - state.firstReceiverReportNanos() < intervalNanos * 3 / 2) {
            // The second report waits one more interval. Chromium's send-side estimate takes its first loss report
            // (the second receiver report: the first to give packet counts to compare) as "1.08 times the lowest
            // target of the last second"; within that second the first REMB had lifted the target from Chromium's
            // 300 kbit/s start, so a report one interval later pulled it back to about 350 kbit/s, and a simulcast
            // publisher paused its top layer for 1-2 s (its subscribers on that layer froze).
            return;
        }
        int blocks = 0;
        int at = RtcpWriter.EMPTY_RR_LENGTH;
        int rembCount = 0;
        long remb = 0;
        RoomMembers room = publisher.room();
        for (IngressStream s : streams) {
            if (blocks == RtcpWriter.MAX_REPORT_BLOCKS) {
                break;
            }
            ReceiveStatistics stats = s.statistics();
            int n = stats.writeReportBlock(s.ssrc(), buf, at, nowNanos);
            if (n == 0) {
                continue;
            }
            at += n;
            blocks++;
            if ("video".equals(s.track().kind()) && room != null && rembCapBps > 0) {
                remb = RembPolicy.add(remb, streamLimit(s.track(), room.members(), nowNanos), rembCapBps);
                rembSsrcs[rembCount++] = s.ssrc();
            }
        }
        if (blocks == 0) {
            return;
        }
        RtcpWriter.receiverReportHeader(buf, 0, Forwarder.SFU_RTCP_SSRC, blocks);
        if (rembCount > 0) {
            at += RtcpWriter.remb(buf, at, Forwarder.SFU_RTCP_SSRC, remb, rembSsrcs, rembCount);
        }
        if (publisher.sendRtcp(buf, 0, at, Forwarder.SFU_RTCP_SSRC)) {
            state.receiverReportSent(nowNanos);
            metrics.reportSent(MediaMetrics.Report.RR);
            if (rembCount > 0) {
                metrics.reportSent(MediaMetrics.Report.REMB);
            }
        }
    }

    private long streamLimit(Track track, Endpoint[] members, long nowNanos) {
        if (track.isSimulcast()) {
            // Each subscriber takes the layer its estimate carries: the publisher should keep sending every layer,
            // so its layers count as the cap (its own estimate of the uplink still limits it).
            return -1;
        }
        if (estimates.length < members.length) {
            estimates = new long[members.length];
            videoStreams = new int[members.length];
        }
        int count = 0;
        for (Endpoint s : members) {
            if (s == track.publisher() || !s.forwards(track)) {
                continue;
            }
            int video = 0;
            for (Track t : s.forwardedTracks()) {
                if ("video".equals(t.kind())) {
                    video++;
                }
            }
            estimates[count] = s.streams().rembEstimate(nowNanos, rembMaxAgeNanos);
            videoStreams[count] = video;
            count++;
        }
        return RembPolicy.streamLimit(estimates, videoStreams, count);
    }

    private void senderReports(Endpoint subscriber, long nowNanos) {
        RoomMembers room = subscriber.room();
        if (room == null) {
            return;
        }
        int at = 0;
        int count = 0;
        int firstSsrc = 0;
        for (EgressStream s : subscriber.streams().egressStreams()) {
            if (s.packetsSent() == 0) {
                continue;
            }
            int sourceSsrc = s.ssrc();
            long tsDelta = 0;
            if (s.track().isSimulcast()) {
                // The subscriber's stream runs on the current layer's clock, shifted by the switch's rewriting.
                SimulcastStream sim = subscriber.streams().simulcast(s.track());
                SimulcastStream.Segment seg = sim == null ? null : sim.currentSegment();
                if (seg == null) {
                    continue;
                }
                sourceSsrc = seg.layerSsrc();
                tsDelta = seg.tsDelta();
            }
            Endpoint publisher = room.publisherOf(s.track());
            IngressStream source = publisher == null ? null : publisher.streams().ingress(sourceSsrc);
            SenderClock clock = source == null ? null : source.statistics().lastSenderReport();
            if (clock == null) {
                continue;
            }
            int clockRate = "video".equals(s.track().kind()) ? 90_000 : 48_000;
            long ntp = clock.ntpAt(nowNanos);
            long rtp = (clock.rtpTimestampAt(nowNanos, clockRate) + tsDelta) & 0xFFFFFFFFL;
            at += RtcpWriter.senderReport(buf, at, s.ssrc(), ntp, rtp, s.packetsSent(), s.octetsSent());
            s.senderReportSent((ntp >>> 16) & 0xFFFFFFFFL, nowNanos);
            if (count++ == 0) {
                firstSsrc = s.ssrc();
            }
            if (count == MAX_SR_PER_COMPOUND) {
                send(subscriber, at, firstSsrc, count);
                at = 0;
                count = 0;
            }
        }
        if (count > 0) {
            send(subscriber, at, firstSsrc, count);
        }
    }

    private void send(Endpoint subscriber, int length, int firstSsrc, int reports) {
        if (subscriber.sendRtcp(buf, 0, length, firstSsrc)) {
            for (int i = 0; i < reports; i++) {
                metrics.reportSent(MediaMetrics.Report.SR);
            }
        }
    }
}
