package io.icemesh.monitor.doctor;

import io.icemesh.events.v1.DoctorReport;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The ICE doctor reports users shared, newest first, at most {@link #KEPT} (every instance reads the whole topic,
 * so each lists all of them). Metrics count the verdicts of reports made since this instance started, by status and
 * URL scheme and transport: a restart re-reads the topic's seven days for the list but does not count them again.
 */
@ApplicationScoped
public class DoctorReports {

    /** Reports kept for the API and the page. */
    static final int KEPT = 200;

    /** Newest first by the time signaling took them (arrival order differs across partitions). */
    private final TreeSet<DoctorReport> reports = new TreeSet<>(Comparator.comparingLong(DoctorReport::atMs)
            .reversed().thenComparing(DoctorReport::reportId));
    private final Set<String> ids = new HashSet<>();
    private final MeterRegistry meters;
    private final Counter counted;
    /** When this process started: reports made before it are listed but not counted again. */
    private final long startedAtMs = ManagementFactory.getRuntimeMXBean().getStartTime();

    DoctorReports(MeterRegistry meters) {
        this.meters = meters;
        this.counted = Counter.builder("icemesh.monitor.doctor.reports")
                .description("ICE doctor reports users shared since this instance started").register(meters);
        for (String status : List.of("ok", "slow", "failed")) {
            verdicts(status, "stun", "udp");
            verdicts(status, "turn", "udp");
        }
    }

    /** Adds a report (a record read twice is kept once); past {@link #KEPT} the oldest by time goes. */
    public synchronized void add(DoctorReport report) {
        if (!ids.add(report.reportId())) {
            return;
        }
        reports.add(report);
        while (reports.size() > KEPT) {
            ids.remove(reports.pollLast().reportId());
        }
        if (report.atMs() >= startedAtMs) {
            counted.increment();
            for (DoctorReport.UrlVerdict v : report.urls()) {
                verdicts(v.status(), schemeOf(v.url()), transportOf(v.url())).increment();
            }
        }
    }

    /** The newest {@code limit} reports, newest first. */
    public synchronized List<DoctorReport> latest(int limit) {
        List<DoctorReport> out = new ArrayList<>(Math.min(limit, reports.size()));
        Iterator<DoctorReport> it = reports.iterator();
        while (it.hasNext() && out.size() < limit) {
            out.add(it.next());
        }
        return out;
    }

    private Counter verdicts(String status, String scheme, String transport) {
        return Counter.builder("icemesh.monitor.doctor.verdicts")
                .description("Per-URL verdicts in shared ICE doctor reports, by status, scheme and transport")
                .tag("status", status).tag("scheme", scheme).tag("transport", transport).register(meters);
    }

    static String schemeOf(String url) {
        String s = url.substring(0, Math.max(0, url.indexOf(':'))).toLowerCase(Locale.ROOT);
        return s.startsWith("turn") ? "turn" : "stun";
    }

    static String transportOf(String url) {
        String u = url.toLowerCase(Locale.ROOT);
        if (u.startsWith("turns:") || u.startsWith("stuns:")) {
            return "tls";
        }
        return u.contains("transport=tcp") ? "tcp" : "udp";
    }
}
