package io.icemesh.monitor.timeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.icemesh.events.v1.EventSource;
import io.icemesh.events.v1.SessionEvent;
import io.icemesh.events.v1.SessionEventType;
import io.icemesh.events.v1.TurnEventType;
import io.icemesh.monitor.metrics.FailureReason;
import java.util.List;
import org.junit.jupiter.api.Test;

class TimelineTest {

    private final Timeline timeline = new Timeline("s", 100);

    @Test
    void measuresEachMilestoneOnceFromTimestampsWhenNoElapsedIsReported() {
        assertEquals(List.of(), apply(SessionEventType.PEER_JOINED, 10_000, null));
        apply(SessionEventType.GATHERING_STARTED, 10_100, null);
        assertEquals(List.of(new Milestone(Milestone.Kind.GATHERED, 400)),
                apply(SessionEventType.GATHERING_COMPLETE, 10_500, null));
        assertEquals(List.of(), apply(SessionEventType.GATHERING_COMPLETE, 10_600, null), "measured once");
        assertEquals(List.of(new Milestone(Milestone.Kind.CONNECTED, 900)), state("connected", 10_900));
        assertEquals(List.of(), state("completed", 11_000), "completed after connected is not a second connect");
        assertEquals(List.of(new Milestone(Milestone.Kind.FAILED_AFTER_CONNECTED, 0)), state("failed", 12_000));
        assertEquals("failed", timeline.view().status());
    }

    @Test
    void closingBeforeConnectingIsAbandonedAndFailingMapsTheReason() {
        assertEquals(List.of(new Milestone(Milestone.Kind.ABANDONED, 0)), apply(SessionEventType.CLOSED, 1, null));
        Timeline other = new Timeline("t", 100);
        other.apply(SessionEvent.builder(SessionEventType.FAILED, "t", EventSource.SIGNALING)
                .reason("DTLS handshake timed out").timestampMs(5).build(), 0);
        assertEquals(FailureReason.DTLS_FAILED, other.failureReason());
    }

    @Test
    void aTimelineOfTurnEventsAloneIsUnjoinedNotConnecting() {
        Timeline turnOnly = new Timeline("t", 100);
        turnOnly.apply(TurnEvents.of(TurnEventType.ALLOCATION_CREATED, "t", null), 0);
        assertEquals("unjoined", turnOnly.view().status());
        turnOnly.apply(SessionEvent.builder(SessionEventType.GATHERING_STARTED, "t", EventSource.CLIENT)
                .timestampMs(1).build(), 1);
        assertEquals("connecting", turnOnly.view().status(), "a client report means the session joined");
    }

    @Test
    void oneSocketMappedToTwoPortsByTwoStunServersIsASymmetricNat() {
        srflx(timeline, "stun:203.0.113.10:3478", 40001, 5555);
        srflx(timeline, "stun:203.0.113.10:3479", 40001, 6666);
        srflx(timeline, "stun:203.0.113.10:3479", 40002, 6666);
        assertNull(timeline.view().natEvidence(), "one server per socket (the same server again after a restart):"
                + " no evidence");
        srflx(timeline, "stun:203.0.113.10:3479", 40777, 5555);
        assertEquals("its NAT mapped socket port 5555 to port 40001 towards stun:203.0.113.10:3478 and to port 40777"
                + " towards stun:203.0.113.10:3479", timeline.view().natEvidence());
    }

    @Test
    void aReportWithoutPortsOrFromOneServerIsNoEvidence() {
        srflx(timeline, "stun:203.0.113.10:3478", 40001, 5555);
        srflx(timeline, "stun:203.0.113.10:3478", 40002, 5555);
        timeline.apply(SessionEvent.builder(SessionEventType.CANDIDATE_GATHERED, "s", EventSource.CLIENT)
                .candidateType("srflx").serverUrl("stun:203.0.113.10:3479").timestampMs(1).build(), 1);
        assertNull(timeline.view().natEvidence(), "the same server twice (a re-gathering), or no ports reported");
    }

    @Test
    void withoutServerUrlsTwoPortsForOneSocketAreTwoServers() {
        srflx(timeline, null, 40001, 5555);
        srflx(timeline, null, 40001, 5555);
        assertNull(timeline.view().natEvidence(), "the same mapping twice");
        srflx(timeline, null, 40777, 5555);
        assertEquals("its NAT mapped socket port 5555 to port 40001 and to port 40777 (two STUN servers)",
                timeline.view().natEvidence());
    }

    private static void srflx(Timeline t, String url, int mapped, int socket) {
        t.apply(SessionEvent.builder(SessionEventType.CANDIDATE_GATHERED, "s", EventSource.CLIENT)
                .candidateType("srflx").serverUrl(url).candidatePort(mapped).relatedPort(socket).timestampMs(1)
                .build(), 1);
    }

    @Test
    void keepsOnlyTheLastTurnRefusals() {
        for (int i = 0; i < 300; i++) {
            timeline.apply(TurnEvents.of(TurnEventType.AUTH_FAILED, "s", "bad_integrity " + i), i);
        }
        List<TimelineView.TurnFailure> kept = timeline.view().turnFailures();
        assertEquals(Timeline.MAX_TURN_FAILURES, kept.size());
        assertEquals("bad_integrity 299", kept.get(kept.size() - 1).reason(), "the last one is kept for the diagnosis");
    }

    private List<Milestone> apply(SessionEventType type, long ts, Long elapsed) {
        return timeline.apply(SessionEvent.builder(type, "s", EventSource.CLIENT).timestampMs(ts).elapsedMs(elapsed)
                .build(), ts);
    }

    private List<Milestone> state(String state, long ts) {
        return timeline.apply(SessionEvent.builder(SessionEventType.ICE_STATE_CHANGED, "s", EventSource.CLIENT)
                .state(state).timestampMs(ts).build(), ts);
    }
}
