package io.icemesh.signaling;

import static io.icemesh.signaling.TestTokens.joinMessage;
import static io.icemesh.signaling.TestTokens.uniqueRoom;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import io.icemesh.broker.KafkaBrokerResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * In a P2P room, offer, answer and candidate messages are relayed only in the shape docs/signaling-protocol.md gives
 * them; any other shape is answered with {@code bad-message} and reaches no peer.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class RelayValidationTest {

    @TestHTTPResource("/ws")
    URI ws;

    @Test
    void refusesMalformedOffersAnswersAndCandidatesAndRelaysNoneOfThem() throws Exception {
        String room = uniqueRoom("shape");
        try (WsClient a = WsClient.connect(ws); WsClient b = WsClient.connect(ws)) {
            String aId = a.send(joinMessage(room)).next("joined").get("peerId").asText();
            String bId = b.send(joinMessage(room)).next("joined").get("peerId").asText();
            assertEquals(bId, a.next("peer-joined").get("peerId").asText());

            String to = "\"to\":\"" + aId + "\"";
            List<String> bad = List.of(
                    "{\"type\":\"offer\"," + to + "}",
                    "{\"type\":\"offer\"," + to + ",\"sdp\":null}",
                    "{\"type\":\"offer\"," + to + ",\"sdp\":7}",
                    "{\"type\":\"offer\"," + to + ",\"sdp\":{}}",
                    "{\"type\":\"offer\"," + to + ",\"sdp\":[\"v=0\"]}",
                    "{\"type\":\"answer\"," + to + ",\"sdp\":\"\"}",
                    "{\"type\":\"answer\"," + to + ",\"sdp\":true}",
                    "{\"type\":\"offer\"," + to + ",\"sdp\":\"v=0\",\"evil\":\"<script>\"}",
                    "{\"type\":\"offer\"," + to + ",\"sdp\":\"v=0\",\"from\":\"someone-else\"}",
                    "{\"type\":\"offer\",\"to\":7,\"sdp\":\"v=0\"}",
                    "{\"type\":\"candidate\"," + to + "}",
                    "{\"type\":\"candidate\"," + to + ",\"candidate\":\"candidate:1 1 udp 1 1.2.3.4 5 typ host\"}",
                    "{\"type\":\"candidate\"," + to + ",\"candidate\":{}}",
                    "{\"type\":\"candidate\"," + to + ",\"candidate\":{\"candidate\":5}}",
                    "{\"type\":\"candidate\"," + to + ",\"candidate\":{\"candidate\":\"c\",\"sdpMid\":0}}",
                    "{\"type\":\"candidate\"," + to + ",\"candidate\":{\"candidate\":\"c\",\"sdpMLineIndex\":\"0\"}}",
                    "{\"type\":\"candidate\"," + to + ",\"candidate\":{\"candidate\":\"c\",\"sdpMLineIndex\":-1}}",
                    "{\"type\":\"candidate\"," + to + ",\"candidate\":{\"candidate\":\"c\",\"sdpMLineIndex\":1.5}}",
                    "{\"type\":\"candidate\"," + to + ",\"candidate\":{\"candidate\":\"c\",\"usernameFragment\":1}}",
                    "{\"type\":\"candidate\"," + to + ",\"candidate\":{\"candidate\":\"c\",\"port\":9}}",
                    "{\"type\":\"candidate\"," + to + ",\"candidate\":{\"candidate\":\"c\"},\"sdp\":\"v=0\"}");
            for (String message : bad) {
                JsonNode error = b.send(message).next("error");
                assertEquals("bad-message", error.get("code").asText(), message + " -> " + error);
                assertFalse(error.path("message").asText().isBlank(), "the error says why: " + error);
            }

            b.send("{\"type\":\"offer\"," + to + ",\"sdp\":\"v=0\"}");
            JsonNode first = a.nextAny(10);
            assertEquals("offer", first.path("type").asText(),
                    "the first message the peer gets after the refused ones is the good offer: " + first);
            assertEquals("v=0", first.get("sdp").asText());
            assertEquals(bId, first.get("from").asText());

            a.send("{\"type\":\"candidate\",\"to\":\"" + bId + "\",\"candidate\":{\"candidate\":\"\","
                    + "\"sdpMid\":\"0\",\"sdpMLineIndex\":0,\"usernameFragment\":null}}");
            JsonNode candidate = b.nextAny(10);
            assertEquals("candidate", candidate.path("type").asText(), candidate.toString());
            assertEquals("0", candidate.get("candidate").get("sdpMid").asText(),
                    "an end-of-candidates candidate with every RTCIceCandidateInit field is relayed");
        }
    }
}
