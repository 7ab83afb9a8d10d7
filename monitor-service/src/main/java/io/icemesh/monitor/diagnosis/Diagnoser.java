package io.icemesh.monitor.diagnosis;

import io.icemesh.monitor.MonitorConfig;
import io.icemesh.monitor.probe.ServerStatus;
import io.icemesh.monitor.probe.ServerStatuses;
import io.icemesh.monitor.timeline.TimelineView;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Derives a cause in plain words from a session's timeline and what the probes know now. The rules, in the order
 * their findings are listed (the first is the cause):
 * <ol>
 * <li>TURN refused the session (auth failure or policy) and no relay candidate arrived;</li>
 * <li>gathering was slow: named are the ICE servers the probes find unreachable, among those the session used or,
 * when no server-reflexive candidate arrived, among all probed servers;</li>
 * <li>the session failed: the reported reason, and whether a relay fallback existed;</li>
 * <li>only relay pairs succeeded although direct candidates were gathered (and, where two STUN servers saw the
 * client's socket at two ports, that its NAT is symmetric);</li>
 * <li>connectivity checks were slow after gathering;</li>
 * <li>first media was slow after connecting;</li>
 * <li>otherwise, the healthy summary (or that it is still connecting).</li>
 * </ol>
 * A session known from TURN events alone (its credentials allocated, but it never joined a room or reported ICE) is
 * not a session in progress: its verdict is {@code unjoined}, and only a TURN refusal is named besides.
 */
@ApplicationScoped
public class Diagnoser {

    private static final Pattern STATUS_CODE = Pattern.compile("\\b([3-6]\\d\\d)\\b");
    private static final String AUTH_FAILED = "AUTH_FAILED";
    /** RFC 8489 section 14.8: 401 Unauthorized, what an auth failure answers when its reason names no other code. */
    private static final String UNAUTHORIZED = "401";
    /**
     * turn-service's refusal reasons and the error code it answers them with (400 Bad Request, 438 Stale Nonce,
     * 486 Allocation Quota Reached, 403 Forbidden).
     */
    private static final Map<String, String> TURN_REASON_CODES = Map.of(
            "bad_request", "400", "userhash_unsupported", "400", "stale_nonce", "438",
            "user_quota", "486", "total_quota", "486", "draining", "486", "peer_acl", "403");
    private static final int MAX_SUSPECTS_NAMED = 3;
    private static final String UNJOINED = "unjoined";

    private final MonitorConfig.Diagnosis thresholds;
    private final ServerStatuses servers;

    @Inject
    Diagnoser(MonitorConfig config, ServerStatuses servers) {
        this(config.diagnosis(), servers);
    }

    Diagnoser(MonitorConfig.Diagnosis thresholds, ServerStatuses servers) {
        this.thresholds = thresholds;
        this.servers = servers;
    }

    public Diagnosis diagnose(TimelineView t) {
        List<String> findings = new ArrayList<>();
        boolean noRelay = !t.candidateTypes().contains("relay");
        if (UNJOINED.equals(t.status())) {
            findings.add("TURN credentials in use (" + t.turnAllocations() + " allocation"
                    + (t.turnAllocations() == 1 ? "" : "s") + "), but the session has not joined a room or"
                    + " reported ICE");
            turnRefusal(t, noRelay).ifPresent(findings::add);
            return new Diagnosis(UNJOINED, findings.get(0), List.copyOf(findings));
        }
        boolean slow = false;
        turnRefusal(t, noRelay).ifPresent(findings::add);
        if (t.gatheringMs() != null && t.gatheringMs() > thresholds.slowGathering().toMillis()) {
            slow = true;
            findings.add(slowGathering(t));
        }
        boolean failed = "failed".equals(t.status());
        if (failed) {
            findings.add("failed (" + t.failureReason() + "): " + t.failureText()
                    + (noRelay ? "; no relay candidate was gathered, so there was no fallback path" : ""));
        }
        if (t.pair() != null && t.pair().relayed()
                && (t.candidateTypes().contains("host") || t.candidateTypes().contains("srflx"))) {
            findings.add((t.natEvidence() == null ? "" : "behind a symmetric NAT, relayed: " + t.natEvidence()
                    + ", so a peer cannot reach it at the mapping it learned; ")
                    + "only relay pairs succeeded: direct candidates (" + directTypes(t)
                    + ") were gathered but the selected pair is " + t.pair());
        }
        if (t.timeToConnectedMs() != null && t.timeToConnectedMs() > thresholds.slowConnect().toMillis()) {
            slow = true;
            long afterGathering = t.timeToConnectedMs() - (t.gatheringMs() == null ? 0 : t.gatheringMs());
            findings.add("ICE connected after " + Durations.format(t.timeToConnectedMs()) + ", "
                    + Durations.format(Math.max(0, afterGathering)) + " of it after gathering");
        }
        if (t.timeToFirstMediaMs() != null && t.timeToFirstMediaMs() > thresholds.slowFirstMedia().toMillis()) {
            slow = true;
            findings.add("first media came " + Durations.format(t.timeToFirstMediaMs()) + " after the start"
                    + (t.timeToConnectedMs() == null ? "" : ", " + Durations.format(
                            Math.max(0, t.timeToFirstMediaMs() - t.timeToConnectedMs())) + " after ICE connected"));
        }
        String verdict = failed ? "failed" : slow ? "slow" : t.timeToConnectedMs() == null ? "in_progress" : "ok";
        if (findings.isEmpty()) {
            findings.add(summary(t));
        }
        return new Diagnosis(verdict, findings.get(0), List.copyOf(findings));
    }

    private static Optional<String> turnRefusal(TimelineView t, boolean noRelay) {
        if (t.turnFailures().isEmpty() || !noRelay) {
            return Optional.empty();
        }
        TimelineView.TurnFailure f = t.turnFailures().get(t.turnFailures().size() - 1);
        String reason = f.reason() == null ? "" : f.reason();
        Matcher code = STATUS_CODE.matcher(reason);
        String answer = code.find() ? code.group(1) : TURN_REASON_CODES.get(reason);
        if (answer == null && AUTH_FAILED.equals(f.type())) {
            answer = UNAUTHORIZED;
        }
        String what = answer != null ? "TURN answered " + answer : "TURN refused the allocation";
        return Optional.of("no relay candidate: " + what + (reason.isBlank() ? "" : " (" + reason + ")"));
    }

    private String slowGathering(TimelineView t) {
        String took = Durations.format(t.gatheringMs());
        Set<String> suspects = new LinkedHashSet<>();
        for (String url : t.candidateServers()) {
            servers.status(url).filter(ServerStatus::unreachable).ifPresent(s -> suspects.add(s.url()));
        }
        boolean noSrflx = !t.candidateTypes().contains("srflx");
        if (suspects.isEmpty() && noSrflx) {
            for (ServerStatus s : servers.all()) {
                if (s.unreachable() && suspects.size() < MAX_SUSPECTS_NAMED) {
                    suspects.add(s.url());
                }
            }
        }
        if (!suspects.isEmpty()) {
            return "gathering waited " + took + " on " + String.join(" and ", suspects) + ", which probes find "
                    + "unreachable";
        }
        if (noSrflx) {
            return "gathering took " + took + " and no server-reflexive candidate arrived: its STUN server did not"
                    + " answer (probes see no unreachable server now)";
        }
        return "gathering took " + took;
    }

    private static String directTypes(TimelineView t) {
        List<String> direct = new ArrayList<>();
        for (String type : List.of("host", "srflx", "prflx")) {
            if (t.candidateTypes().contains(type)) {
                direct.add(type);
            }
        }
        return String.join(", ", direct);
    }

    private static String summary(TimelineView t) {
        if (t.timeToConnectedMs() == null) {
            return "abandoned".equals(t.status()) ? "closed before ICE connected" : "still connecting";
        }
        StringBuilder b = new StringBuilder("connected in ").append(Durations.format(t.timeToConnectedMs()));
        if (t.pair() != null) {
            b.append(" over ").append(t.pair());
        }
        if (t.timeToFirstMediaMs() != null) {
            b.append("; first media at ").append(Durations.format(t.timeToFirstMediaMs()));
        }
        return b.toString();
    }
}
