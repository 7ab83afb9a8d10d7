package io.icemesh.signaling.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class RelayMessageTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void keepsTheDocumentedFieldsOfOffersAnswersAndCandidates() throws Exception {
        RelayMessage offer = parse("offer", "{\"type\":\"offer\",\"to\":\"p1\",\"sdp\":\"v=0\"}");
        assertEquals("p1", offer.to());
        assertEquals("v=0", offer.sdp());
        assertEquals(JSON.readTree("{\"type\":\"offer\",\"sdp\":\"v=0\"}"), offer.body());

        String init = "{\"candidate\":\"candidate:1 1 udp 2122260223 10.0.0.2 54321 typ host\",\"sdpMid\":\"0\","
                + "\"sdpMLineIndex\":0,\"usernameFragment\":\"abcd\"}";
        RelayMessage candidate = parse("candidate", "{\"type\":\"candidate\",\"to\":\"p1\",\"candidate\":" + init
                + "}");
        assertEquals(JSON.readTree("{\"type\":\"candidate\",\"candidate\":" + init + "}"), candidate.body());
        parse("candidate", "{\"type\":\"candidate\",\"to\":\"p1\",\"candidate\":{\"candidate\":\"\",\"sdpMid\":null,"
                + "\"sdpMLineIndex\":null,\"usernameFragment\":null}}");
        parse("candidate", "{\"type\":\"candidate\",\"to\":\"p1\",\"candidate\":{\"candidate\":\"c\","
                + "\"sdpMLineIndex\":65535}}");
    }

    @Test
    void refusesMissingMistypedAndUnknownFields() {
        String[][] bad = {
            {"offer", "{\"type\":\"offer\",\"to\":\"p1\"}"},
            {"offer", "{\"type\":\"offer\",\"to\":\"p1\",\"sdp\":{}}"},
            {"offer", "{\"type\":\"offer\",\"to\":\"p1\",\"sdp\":12}"},
            {"answer", "{\"type\":\"answer\",\"to\":\"p1\",\"sdp\":\"\"}"},
            {"answer", "{\"type\":\"answer\",\"sdp\":\"v=0\"}"},
            {"answer", "{\"type\":\"answer\",\"to\":\"\",\"sdp\":\"v=0\"}"},
            {"answer", "{\"type\":\"answer\",\"to\":[\"p1\"],\"sdp\":\"v=0\"}"},
            {"offer", "{\"type\":\"offer\",\"to\":\"p1\",\"sdp\":\"v=0\",\"seq\":4}"},
            {"candidate", "{\"type\":\"candidate\",\"to\":\"p1\",\"candidate\":null}"},
            {"candidate", "{\"type\":\"candidate\",\"to\":\"p1\",\"candidate\":{\"sdpMid\":\"0\"}}"},
            {"candidate", "{\"type\":\"candidate\",\"to\":\"p1\",\"candidate\":{\"candidate\":\"c\","
                    + "\"sdpMLineIndex\":65536}}"},
            {"candidate", "{\"type\":\"candidate\",\"to\":\"p1\",\"candidate\":{\"candidate\":\"c\","
                    + "\"sdpMLineIndex\":99999999999999999999}}"},
            {"candidate", "{\"type\":\"candidate\",\"to\":\"p1\",\"candidate\":{\"candidate\":\"c\","
                    + "\"sdpMid\":[]}}"},
        };
        for (String[] b : bad) {
            assertThrows(RelayMessage.BadRelayMessageException.class, () -> parse(b[0], b[1]), b[1]);
        }
    }

    private static RelayMessage parse(String type, String json) throws Exception {
        return RelayMessage.parse(type, JSON.readTree(json));
    }
}
