package io.icemesh.signaling;

import static io.icemesh.signaling.TestTokens.joinMessage;
import static io.icemesh.signaling.TestTokens.uniqueRoom;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.icemesh.broker.KafkaBrokerResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import org.junit.jupiter.api.Test;

/** A dropped socket keeps its place in the room for the resume grace time (3 s in the test profile). */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class ResumeTest {

    @TestHTTPResource("/ws")
    URI ws;

    @Test
    void aDroppedPeerResumesWithoutLosingTheRoomOrTheMessagesSentMeanwhile() throws Exception {
        String room = uniqueRoom("resume");
        try (WsClient a = WsClient.connect(ws)) {
            String aId = a.send(joinMessage(room)).next("joined").get("peerId").asText();
            WsClient b = WsClient.connect(ws);
            JsonNode bJoined = b.send(joinMessage(room)).next("joined");
            String bId = bJoined.get("peerId").asText();
            a.next("peer-joined");
            b.abort();

            a.send("{\"type\":\"offer\",\"to\":\"" + bId + "\",\"sdp\":\"while-away\"}");
            try (WsClient b2 = WsClient.connect(ws)) {
                b2.next("hello");
                JsonNode resumed = b2.send("{\"type\":\"resume\",\"resumeToken\":\""
                        + bJoined.get("resumeToken").asText() + "\"}").next("resumed");
                assertEquals(bId, resumed.get("peerId").asText(), "same peer id after resume");
                assertEquals(bJoined.get("sessionId").asText(), resumed.get("sessionId").asText());
                assertEquals(aId, resumed.get("peers").get(0).get("peerId").asText());
                assertEquals("while-away", b2.next("offer").get("sdp").asText(), "the offer waited for the resume");
                b2.send("{\"type\":\"answer\",\"to\":\"" + aId + "\",\"sdp\":\"back\"}");
                assertEquals("back", a.next("answer").get("sdp").asText());
            }
        }
    }

    @Test
    void earlyRelayToAResumedSocketStartsOnlyAfterItsResumedReplyAndReplay() throws Exception {
        String room = uniqueRoom("resume-early");
        try (WsClient a = WsClient.connect(ws)) {
            String aId = a.send(TestTokens.withEarlyRelay(joinMessage(room))).next("joined").get("peerId").asText();
            WsClient b = WsClient.connect(ws);
            JsonNode bJoined = b.send(TestTokens.withEarlyRelay(joinMessage(room))).next("joined");
            String bId = bJoined.get("peerId").asText();
            a.next("peer-joined");
            b.abort();

            a.send("{\"type\":\"offer\",\"to\":\"" + bId + "\",\"sdp\":\"while-away\"}");
            try (WsClient b2 = WsClient.connect(ws)) {
                b2.next("hello");
                b2.send("{\"type\":\"resume\",\"earlyRelay\":true,\"resumeToken\":\""
                        + bJoined.get("resumeToken").asText() + "\"}");
                assertEquals("resumed", b2.nextAny(10).get("type").asText(), "the reply comes first");
                JsonNode replayed = b2.nextAny(10);
                assertEquals("while-away", replayed.path("sdp").asText(), "then the replay: " + replayed);
                assertTrue(replayed.path("seq").asLong() > 0, replayed.toString());
                // From now on the resumed socket gets early copies, each followed by the log's numbered one.
                a.send("{\"type\":\"candidate\",\"to\":\"" + bId + "\",\"candidate\":{\"candidate\":\"after\"}}");
                JsonNode first = b2.nextAny(10);
                assertEquals("candidate", first.path("type").asText(), first.toString());
                assertFalse(first.has("seq"), "early: " + first);
                JsonNode numbered = b2.nextAny(10);
                assertEquals(first.get("rid"), numbered.get("rid"), numbered.toString());
                assertTrue(numbered.path("seq").asLong() > replayed.path("seq").asLong(), numbered.toString());
                assertEquals(aId, numbered.get("from").asText());
            }
        }
    }

    @Test
    void aResumeWhoseSocketClosesBeforeItIsAppliedLeavesNoGhostTheSessionStillExpires() throws Exception {
        String room = uniqueRoom("ghost");
        try (WsClient a = WsClient.connect(ws)) {
            a.send(joinMessage(room)).next("joined");
            WsClient b = WsClient.connect(ws);
            JsonNode bJoined = b.send(joinMessage(room)).next("joined");
            a.next("peer-joined");
            b.abort();
            WsClient b2 = WsClient.connect(ws);
            b2.next("hello");
            // The socket goes while the resume is on its way through the room log.
            b2.send("{\"type\":\"resume\",\"resumeToken\":\"" + bJoined.get("resumeToken").asText() + "\"}");
            b2.abort();
            JsonNode left = a.next("peer-left", 15);
            assertEquals(bJoined.get("peerId").asText(), left.get("peerId").asText());
            assertEquals("timeout", left.get("reason").asText(), "nobody holds the session: it expires");
        }
    }

    @Test
    void aPeerThatDoesNotResumeLeavesAfterTheGraceTime() throws Exception {
        String room = uniqueRoom("gone");
        try (WsClient a = WsClient.connect(ws)) {
            a.send(joinMessage(room)).next("joined");
            WsClient b = WsClient.connect(ws);
            JsonNode bJoined = b.send(joinMessage(room)).next("joined");
            a.next("peer-joined");
            b.abort();
            JsonNode left = a.next("peer-left", 15);
            assertEquals(bJoined.get("peerId").asText(), left.get("peerId").asText());
            assertEquals("timeout", left.get("reason").asText());
            try (WsClient late = WsClient.connect(ws)) {
                late.next("hello");
                assertEquals("bad-resume", late.send("{\"type\":\"resume\",\"resumeToken\":\""
                        + bJoined.get("resumeToken").asText() + "\"}").next("error").get("code").asText());
            }
        }
    }
}
