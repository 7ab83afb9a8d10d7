package io.icemesh.turn.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.icemesh.broker.KafkaBrokerResource;
import io.icemesh.events.v1.Topics;
import io.icemesh.events.v1.TurnEvent;
import io.icemesh.events.v1.TurnEventType;
import io.icemesh.stun.ErrorCodeAttribute;
import io.icemesh.stun.TurnRestCredential;
import io.icemesh.testkit.KafkaTestClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * An allocation's events on the real broker: in the order they happened, under the session's key, as binary-mode
 * CloudEvents whose values monitor-service reads (a session id with quotes, a backslash and non-ASCII characters,
 * which the JSON must escape as Jackson does).
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class TurnEventsOnKafkaTest {

    @Inject
    TurnServer server;

    @Test
    void anAllocationsEventsArriveInOrderUnderItsSessionKeyAsBinaryCloudEvents() throws Exception {
        String session = "events-" + UUID.randomUUID() + "-\"quoted\"\\-s\u00e9ssion-\u20ac-\uD83D\uDE00";
        String username = (System.currentTimeMillis() / 1000 + 600) + ":" + session;
        InetSocketAddress permitted = new InetSocketAddress("1.2.3.4", 5000);
        InetSocketAddress bound = new InetSocketAddress("1.2.3.5", 5000);
        try (TurnTestClient client = new TurnTestClient(server.udpPort(), username,
                TurnRestCredential.password("test-only-secret", username))) {
            assertEquals(-1, ErrorCodeAttribute.codeOf(client.allocate()));
            assertEquals(-1, ErrorCodeAttribute.codeOf(client.createPermission(permitted)));
            assertEquals(-1, ErrorCodeAttribute.codeOf(client.channelBind(0x4000, bound)));
            assertEquals(-1, ErrorCodeAttribute.codeOf(client.refresh(600)));
            assertEquals(-1, ErrorCodeAttribute.codeOf(client.refresh(0)));
        }
        List<ConsumerRecord<String, byte[]>> records = KafkaTestClient.records(
                KafkaBrokerResource.broker().bootstrapServers(), Topics.TURN_EVENTS, session, 5,
                Duration.ofSeconds(30));
        List<TurnEvent> events = records.stream().map(r -> TurnEventRecords.read(r, session)).toList();
        assertEquals(List.of(TurnEventType.ALLOCATION_CREATED, TurnEventType.PERMISSION_CREATED,
                TurnEventType.CHANNEL_BOUND, TurnEventType.ALLOCATION_REFRESHED, TurnEventType.ALLOCATION_DELETED),
                events.stream().map(TurnEvent::type).toList(), "each event once, in the order they happened");
        for (TurnEvent e : events) {
            assertEquals(username, e.username());
            assertEquals(session, e.sessionId());
            assertEquals("turn-test", e.nodeId());
            assertEquals(events.get(0).allocationId(), e.allocationId(), "one allocation");
            assertEquals("udp", e.transport());
        }
        assertEquals("1.2.3.4", events.get(1).peerAddress());
        assertEquals("1.2.3.5:5000", events.get(2).peerAddress(), "a channel's peer with its port");
        TurnEvent deleted = events.get(4);
        assertEquals("deleted", deleted.reason());
        assertEquals(0L, deleted.packetsToPeer(), "traffic counters on the last event");
        assertEquals(0L, deleted.bytesFromPeer());
        assertEquals(records.size(), records.stream().map(r -> KafkaTestClient.header(r, "ce_id")).distinct()
                .count(), "every event has its own id");
    }
}
