package io.icemesh.media.ice;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.ice4j.ice.IceMediaStream;
import org.ice4j.ice.KeepAliveStrategy;
import org.ice4j.ice.harvest.SinglePortUdpHarvester;
import org.junit.jupiter.api.Test;

class FreeableAgentTest {

    /** Counts the beats of its pacers that came after {@link #free()}: each beat asks for Ta first. */
    private static final class Counting extends FreeableAgent {
        final AtomicInteger beatsAfterFree = new AtomicInteger();

        @Override
        protected long calculateTa() {
            if (freed()) {
                beatsAfterFree.incrementAndGet();
            }
            return super.calculateTa();
        }
    }

    /**
     * Agents set up as {@link IceSession} sets them up (the node's single-port socket, Ta 5 ms, no remote candidate),
     * each started and freed at once, as a warm-up round or a client that leaves straight after its join does. Some
     * of their pacers are inside a beat when freeing cancels them; with a plain ice4j Agent a few of them reschedule
     * themselves and beat every 5 ms from then on (a media node kept two after its boot warm-up). Here a pacer that
     * escapes the cancel makes at most one more beat, and none beats again for half a second.
     */
    @Test
    void noCheckPacerOutlivesAFreedAgent() throws Exception {
        List<Counting> agents = new ArrayList<>();
        try (IceHarvesters harvesters = IceHarvesters.bind("127.0.0.1", 0,
                PeerNetworks.parse(List.of("127.0.0.0/8")))) {
            for (int i = 0; i < 400; i++) {
                Counting agent = new Counting();
                agent.setControlling(false);
                agent.setTa(IceSession.CONNECTING_TA_MILLIS);
                agent.setPerformConsentFreshness(false);
                agent.setUseDynamicPorts(false);
                for (SinglePortUdpHarvester h : harvesters.harvesters()) {
                    agent.addCandidateHarvester(h);
                }
                IceMediaStream stream = agent.createMediaStream("bundle");
                agent.createComponent(stream, KeepAliveStrategy.ALL_SUCCEEDED, false);
                stream.setRemoteUfrag("test" + i);
                stream.setRemotePassword("testtesttesttesttesttest");
                agent.startConnectivityEstablishment();
                agent.free();
                agents.add(agent);
            }
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertEquals(0,
                    agents.stream().filter(a -> a.beatsAfterFree.get() > 1).count(),
                    "freed agents whose check pacer still beats"));
        }
        int escaped = (int) agents.stream().filter(a -> a.beatsAfterFree.get() == 1).count();
        System.out.printf("pacers that beat once after free (and stopped): %d of %d%n", escaped, agents.size());
    }
}
