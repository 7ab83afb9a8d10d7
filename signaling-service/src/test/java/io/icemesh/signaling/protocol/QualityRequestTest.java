package io.icemesh.signaling.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class QualityRequestTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void readsEveryQualityWithAndWithoutATrack() throws Exception {
        for (String q : new String[] {"low", "medium", "high", "auto"}) {
            assertEquals(new QualityRequest(q, null), parse("{\"quality\":\"" + q + "\"}"));
        }
        assertEquals(new QualityRequest("high", "cam"), parse("{\"quality\":\"high\",\"trackId\":\"cam\"}"));
        assertEquals(new QualityRequest("high", null), parse("{\"quality\":\"high\",\"trackId\":null}"),
                "a null trackId means every track");
        String longest = "t".repeat(QualityRequest.MAX_TRACK_ID_LENGTH);
        assertEquals(longest, parse("{\"quality\":\"low\",\"trackId\":\"" + longest + "\"}").trackId());
    }

    @Test
    void refusesAMissingOrUnknownQualityAndABadTrackId() {
        for (String bad : new String[] {"{}", "{\"quality\":null}", "{\"quality\":\"HIGH\"}", "{\"quality\":3}",
                "{\"quality\":\"\"}", "{\"quality\":\"low\",\"trackId\":\"\"}",
                "{\"quality\":\"low\",\"trackId\":\"  \"}",
                "{\"quality\":\"low\",\"trackId\":7}", "{\"quality\":\"low\",\"trackId\":[\"a\"]}",
                "{\"quality\":\"low\",\"trackId\":\"" + "t".repeat(QualityRequest.MAX_TRACK_ID_LENGTH + 1) + "\"}"}) {
            assertThrows(QualityRequest.BadQualityRequestException.class, () -> parse(bad), bad);
        }
    }

    private static QualityRequest parse(String json) throws Exception {
        JsonNode msg = JSON.readTree(json);
        return QualityRequest.parse(msg);
    }
}
