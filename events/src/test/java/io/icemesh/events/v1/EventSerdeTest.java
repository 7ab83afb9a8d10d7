package io.icemesh.events.v1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EventSerdeTest {

    private final EventSerializer serializer = new EventSerializer();
    private final EventDeserializer.SessionEvents sessions = new EventDeserializer.SessionEvents();
    private final EventDeserializer.MediaCommands mediaCommands = new EventDeserializer.MediaCommands();

    @Test
    void sessionEventSurvivesARoundTrip() {
        SessionEvent sent = SessionEvent.builder(SessionEventType.CANDIDATE_GATHERED, "s-1", EventSource.CLIENT)
                .roomId("r").peerId("p").timestampMs(42).elapsedMs(7L).candidateType("srflx").protocol("udp")
                .serverUrl("stun:127.0.0.1:3478").build();
        SessionEvent read = sessions.deserialize(Topics.SESSION_EVENTS, serializer.serialize(Topics.SESSION_EVENTS, sent));
        assertEquals(sent, read);
    }

    @Test
    void leavesAbsentFieldsOutOfTheJson() {
        SessionEvent sent = SessionEvent.builder(SessionEventType.PEER_JOINED, "s-1", EventSource.SIGNALING).build();
        String json = new String(serializer.serialize("t", sent), StandardCharsets.UTF_8);
        assertEquals(-1, json.indexOf("candidateType"), "null fields must not be written: " + json);
    }

    @Test
    void ignoresUnknownFieldsFromANewerProducer() {
        String json = "{\"schemaVersion\":1,\"type\":\"PEER_LEFT\",\"sessionId\":\"s\",\"source\":\"SIGNALING\","
                + "\"timestampMs\":5,\"somethingNew\":true}";
        SessionEvent read = sessions.deserialize("t", json.getBytes(StandardCharsets.UTF_8));
        assertEquals(SessionEventType.PEER_LEFT, read.type());
    }

    @Test
    void turnsMalformedOrUnsupportedValuesIntoNullAndCountsThem() {
        long before = EventDeserializer.rejectedCount();
        assertNull(sessions.deserialize("t", "{not json".getBytes(StandardCharsets.UTF_8)));
        assertNull(sessions.deserialize("t", "{\"schemaVersion\":2,\"type\":\"PEER_LEFT\",\"sessionId\":\"s\"}"
                .getBytes(StandardCharsets.UTF_8)));
        assertNull(sessions.deserialize("t", "{\"schemaVersion\":1,\"type\":\"NO_SUCH\",\"sessionId\":\"s\"}"
                .getBytes(StandardCharsets.UTF_8)));
        assertEquals(before + 3, EventDeserializer.rejectedCount());
    }

    @Test
    void setQualityCommandSurvivesARoundTrip() {
        MediaCommand sent = new MediaCommand(EventSchema.VERSION, MediaCommandType.SET_QUALITY, "req", "node", "room",
                "endpoint", null, 42, "low", "track-1");
        MediaCommand read = mediaCommands.deserialize(Topics.MEDIA_COMMANDS,
                serializer.serialize(Topics.MEDIA_COMMANDS, sent));
        assertEquals(sent, read);
    }

    @Test
    void leavesQualityAndTrackOutOfOtherCommands() {
        MediaCommand sent = new MediaCommand(EventSchema.VERSION, MediaCommandType.ICE_RESTART, "req", "node", "room",
                "endpoint", null, 42);
        String json = new String(serializer.serialize(Topics.MEDIA_COMMANDS, sent), StandardCharsets.UTF_8);
        assertFalse(json.contains("quality") || json.contains("trackId"), "null fields must not be written: " + json);
    }

    @Test
    void readsAMediaCommandWrittenBeforeQualityExisted() {
        String json = "{\"schemaVersion\":1,\"type\":\"OFFER\",\"requestId\":\"req\",\"nodeId\":\"node\","
                + "\"roomId\":\"room\",\"endpointId\":\"endpoint\",\"sdp\":\"v=0\",\"timestampMs\":5}";
        MediaCommand read = mediaCommands.deserialize(Topics.MEDIA_COMMANDS, json.getBytes(StandardCharsets.UTF_8));
        assertEquals(new MediaCommand(EventSchema.VERSION, MediaCommandType.OFFER, "req", "node", "room", "endpoint",
                "v=0", 5), read);
        assertNull(read.quality(), "quality of an old command");
        assertNull(read.trackId(), "trackId of an old command");
    }

    @Test
    void extractsTheSessionIdFromATurnRestUsername() {
        assertEquals("abc:def", TurnEvent.sessionIdOf("1700000000:abc:def"));
        assertNull(TurnEvent.sessionIdOf("alice"));
        assertNull(TurnEvent.sessionIdOf("x1:alice"));
        assertNull(TurnEvent.sessionIdOf("123:"));
    }

    @Test
    void signalingIceConfigAnnouncementSurvivesARoundTripWithoutAnAddress() {
        NodeAnnouncement sent = new NodeAnnouncement(EventSchema.VERSION, "signaling-ice-config-0123456789ab",
                NodeKind.SIGNALING, null, java.util.List.of("stun:127.0.0.1:3478", "turn:127.0.0.1:3478"), 0, 0,
                false, 42);
        byte[] json = serializer.serialize(Topics.NODES, sent);
        assertFalse(new String(json, StandardCharsets.UTF_8).contains("publicAddress"));
        assertEquals(sent, new EventDeserializer.NodeAnnouncements().deserialize(Topics.NODES, json));
        assertEquals("io.icemesh.node.signaling.v1", EventSchema.cloudEventType("node", NodeKind.SIGNALING));
    }

    @Test
    void doctorReportSurvivesARoundTripAndAReportWithoutUrlsIsDropped() {
        DoctorReport sent = new DoctorReport(EventSchema.VERSION, "r-1", 42, "browser", "s-1", "Chromium",
                java.util.List.of(new DoctorReport.UrlVerdict("stun:127.0.0.1:3478", "failed", 3000.0,
                        "never answered within 3.0 s")));
        byte[] json = serializer.serialize(Topics.DOCTOR_REPORTS, sent);
        assertEquals(sent, new EventDeserializer.DoctorReports().deserialize(Topics.DOCTOR_REPORTS, json));
        long rejected = EventDeserializer.rejectedCount();
        assertNull(new EventDeserializer.DoctorReports().deserialize(Topics.DOCTOR_REPORTS,
                "{\"schemaVersion\":1,\"reportId\":\"r\"}".getBytes(StandardCharsets.UTF_8)));
        assertEquals(rejected + 1, EventDeserializer.rejectedCount());
    }

    @Test
    void namesCloudEventTypesAfterKindTypeAndVersion() {
        SessionEvent e = SessionEvent.builder(SessionEventType.PEER_JOINED, "s", EventSource.SIGNALING).build();
        assertEquals("io.icemesh.session.peer_joined.v1", e.cloudEventType());
    }
}
