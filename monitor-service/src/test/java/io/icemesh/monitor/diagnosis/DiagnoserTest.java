package io.icemesh.monitor.diagnosis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.icemesh.monitor.MonitorConfig;
import io.icemesh.monitor.probe.ServerStatus;
import io.icemesh.monitor.probe.ServerStatuses;
import io.icemesh.monitor.timeline.TimelineView;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DiagnoserTest {

    private static final String DEAD = "stun:127.0.0.1:19302";

    private final ServerStatuses probes = new ServerStatuses() {
        private final ServerStatus dead = new ServerStatus(DEAD, true, false, null, null, 1.0, 9,
                "no answer within 1000 ms (9 in a row)", 1);

        @Override
        public Optional<ServerStatus> status(String url) {
            return DEAD.equals(url) ? Optional.of(dead) : Optional.empty();
        }

        @Override
        public List<ServerStatus> all() {
            return List.of(dead);
        }
    };

    private final Diagnoser diagnoser = new Diagnoser(new MonitorConfig.Diagnosis() {
        @Override
        public Duration slowGathering() {
            return Duration.ofSeconds(2);
        }

        @Override
        public Duration slowConnect() {
            return Duration.ofSeconds(3);
        }

        @Override
        public Duration slowFirstMedia() {
            return Duration.ofSeconds(5);
        }
    }, probes);

    @Test
    void namesTheUnreachableServerGatheringWaitedOn() {
        Diagnosis d = diagnoser.diagnose(view("connected", 5003L, 5060L, 5120L, Set.of("host"), null, List.of()));
        assertEquals("slow", d.verdict());
        assertEquals("gathering waited 5.0 s on " + DEAD + ", which probes find unreachable", d.cause());
        assertEquals("ICE connected after 5.1 s, 57 ms of it after gathering", d.findings().get(1));
        assertEquals("first media came 5.1 s after the start, 60 ms after ICE connected", d.findings().get(2));
    }

    @Test
    void slowGatheringWithASrflxCandidateDoesNotBlameOtherServers() {
        Diagnosis d = diagnoser.diagnose(view("connected", 2500L, 2600L, null, Set.of("host", "srflx"), null,
                List.of()));
        assertEquals("gathering took 2.5 s", d.cause());
    }

    @Test
    void turnRefusalWithoutRelayIsTheCause() {
        Diagnosis d = diagnoser.diagnose(view("failed", 50L, null, null, Set.of("host"), null,
                List.of(new TimelineView.TurnFailure("REJECTED", "486 Allocation Quota Reached"))));
        assertEquals("failed", d.verdict());
        assertEquals("no relay candidate: TURN answered 486 (486 Allocation Quota Reached)", d.cause());
    }

    @Test
    void turnServiceReasonNamesMapToTheCodesItAnswers() {
        assertEquals("no relay candidate: TURN answered 401 (bad_integrity)", diagnoser.diagnose(view("failed", 50L,
                null, null, Set.of("host"), null, List.of(new TimelineView.TurnFailure("AUTH_FAILED",
                        "bad_integrity")))).cause());
        assertEquals("no relay candidate: TURN answered 486 (user_quota)", diagnoser.diagnose(view("failed", 50L,
                null, null, Set.of("host"), null, List.of(new TimelineView.TurnFailure("REJECTED",
                        "user_quota")))).cause());
    }

    @Test
    void aFastDirectCallIsSummarised() {
        Diagnosis d = diagnoser.diagnose(view("connected", 2L, 60L, 110L, Set.of("host"),
                new TimelineView.SelectedPair("host", "host", "udp", 0.3), List.of()));
        assertEquals("ok", d.verdict());
        assertEquals("connected in 60 ms over host/host udp; first media at 110 ms", d.cause());
    }

    @Test
    void aRelayedSessionBehindASymmetricNatSaysSo() {
        TimelineView.SelectedPair relayed = new TimelineView.SelectedPair("relay", "prflx", "udp", 1.0);
        Diagnosis plain = diagnoser.diagnose(view("connected", 50L, 60L, 110L, Set.of("host", "srflx", "relay"),
                relayed, List.of()));
        assertEquals("only relay pairs succeeded: direct candidates (host, srflx) were gathered but the selected pair"
                + " is relay/prflx udp", plain.cause());
        Diagnosis symmetric = diagnoser.diagnose(view("connected", 50L, 60L, 110L, Set.of("host", "srflx", "relay"),
                relayed, List.of(), "its NAT mapped socket port 5555 to port 1 towards a and to port 2 towards b"));
        assertEquals("behind a symmetric NAT, relayed: its NAT mapped socket port 5555 to port 1 towards a and to"
                + " port 2 towards b, so a peer cannot reach it at the mapping it learned; only relay pairs succeeded:"
                + " direct candidates (host, srflx) were gathered but the selected pair is relay/prflx udp",
                symmetric.cause());
    }

    @Test
    void aSessionKnownFromTurnAloneIsUnjoinedNotInProgress() {
        TimelineView turnOnly = new TimelineView("s", null, null, "unjoined", 0, 0, null, null, null, Set.of(),
                Set.of(), null, null, null, 1, List.of(), List.of(), 0, null, null);
        Diagnosis d = diagnoser.diagnose(turnOnly);
        assertEquals("unjoined", d.verdict());
        assertEquals("TURN credentials in use (1 allocation), but the session has not joined a room or reported ICE",
                d.cause());
        assertEquals(List.of(d.cause()), d.findings());
    }

    private static TimelineView view(String status, Long gathering, Long connected, Long media, Set<String> types,
            TimelineView.SelectedPair pair, List<TimelineView.TurnFailure> turnFailures) {
        return view(status, gathering, connected, media, types, pair, turnFailures, null);
    }

    private static TimelineView view(String status, Long gathering, Long connected, Long media, Set<String> types,
            TimelineView.SelectedPair pair, List<TimelineView.TurnFailure> turnFailures, String natEvidence) {
        boolean failed = status.equals("failed");
        return new TimelineView("s", "r", null, status, 0, 0, gathering, connected, media, types, Set.of(), pair,
                failed ? "ICE connection state failed" : null, failed ? "ice_failed" : null, 0, turnFailures,
                List.of(), 0, natEvidence, null);
    }
}
