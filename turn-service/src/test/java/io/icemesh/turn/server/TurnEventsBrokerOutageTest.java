package io.icemesh.turn.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.icemesh.broker.KafkaBroker;
import io.icemesh.events.v1.Topics;
import io.icemesh.events.v1.TurnEvent;
import io.icemesh.events.v1.TurnEventType;
import io.icemesh.stun.ErrorCodeAttribute;
import io.icemesh.stun.TurnRestCredential;
import io.icemesh.testkit.KafkaTestClient;
import io.icemesh.turn.events.TurnEventPublisher;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * A broker outage delays turn events and loses none: the broker is not up yet when the node starts, and later stops
 * and comes back (same ports and data, as a broker pod restarts). The events made meanwhile arrive once it is back,
 * each once, in the order they happened, and nothing is counted as dropped.
 */
@QuarkusTest
@TestProfile(TurnEventsBrokerOutageTest.OwnApplication.class)
@WithTestResource(TurnEventsBrokerOutageTest.LateBroker.class)
class TurnEventsBrokerOutageTest {

    /**
     * An application of its own. With the default profile, the next test class's application (same profile, other
     * resources) was restarted without a new class loader, and its {@code /q/metrics} still exported this one's
     * meters: the scrape called into this application's stopped container and failed (TurnSecurityTest).
     */
    public static class OwnApplication implements QuarkusTestProfile {
    }

    /**
     * A broker of this test class alone on free ports, not started with the application: the test starts, stops and
     * starts it again (a persistent broker keeps its data across that, as a broker pod's volume does).
     */
    public static class LateBroker implements QuarkusTestResourceLifecycleManager {
        static KafkaBroker broker;

        @Override
        public Map<String, String> start() {
            int port = KafkaBroker.freePort();
            try {
                broker = KafkaBroker.persistent(Files.createTempDirectory("icemesh-turn-outage-"), port,
                        KafkaBroker.freePortOtherThan(port));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Map.of("kafka.bootstrap.servers", broker.bootstrapServers());
        }

        @Override
        public void stop() {
            broker.close();
            try (var paths = Files.walk(broker.dataDir())) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static final int PERMISSIONS_PER_OUTAGE = 10;

    @Inject
    TurnServer server;

    @Inject
    TurnEventPublisher events;

    @Test
    void eventsMadeWhileTheBrokerIsOutArriveOnceItIsBackInOrderAndNoneLost() throws Exception {
        String session = "outage-" + UUID.randomUUID();
        String username = (System.currentTimeMillis() / 1000 + 600) + ":" + session;
        List<String> peers = new ArrayList<>();
        try (TurnTestClient client = new TurnTestClient(server.udpPort(), username,
                TurnRestCredential.password("test-only-secret", username))) {
            // The broker has never been up: the producer has no metadata yet, and its sender thread waits for it
            assertEquals(-1, ErrorCodeAttribute.codeOf(client.allocate()));
            permit(client, peers);

            LateBroker.broker.start();
            List<TurnEvent> before = read(session, 1 + PERMISSIONS_PER_OUTAGE);
            assertEquals(TurnEventType.ALLOCATION_CREATED, before.get(0).type());
            assertEquals(peers, before.stream().skip(1).map(TurnEvent::peerAddress).toList(),
                    "the events made before the broker first came up, in order");

            // Down again (close returns once it has stopped): the producer holds these records and retries them
            LateBroker.broker.close();
            permit(client, peers);
            assertEquals(-1, ErrorCodeAttribute.codeOf(client.refresh(0)));
            LateBroker.broker.start();
        }
        List<TurnEvent> all = read(session, 2 + 2 * PERMISSIONS_PER_OUTAGE);
        assertEquals(TurnEventType.ALLOCATION_CREATED, all.get(0).type());
        assertEquals(peers, all.subList(1, all.size() - 1).stream().map(TurnEvent::peerAddress).toList(),
                "every permission's event once, in the order made, across both outages");
        assertEquals(TurnEventType.ALLOCATION_DELETED, all.get(all.size() - 1).type());
        assertEquals(0, events.droppedCount(), "no event was dropped");
    }

    /**
     * Ten more permissions, to peers that number the events; each answered at once, whatever the broker (the event
     * loop never waits for Kafka).
     */
    private static void permit(TurnTestClient client, List<String> peers) throws IOException {
        for (int i = 0; i < PERMISSIONS_PER_OUTAGE; i++) {
            String peer = "1.2.3." + (peers.size() + 1);
            assertEquals(-1, ErrorCodeAttribute.codeOf(client.createPermission(new InetSocketAddress(peer, 5000))));
            peers.add(peer);
        }
    }

    private static List<TurnEvent> read(String session, int count) {
        List<ConsumerRecord<String, byte[]>> records = KafkaTestClient.records(
                LateBroker.broker.bootstrapServers(), Topics.TURN_EVENTS, session, count, Duration.ofSeconds(90));
        assertEquals(count, records.size(), "each event once");
        return records.stream().map(r -> TurnEventRecords.read(r, session)).toList();
    }
}
