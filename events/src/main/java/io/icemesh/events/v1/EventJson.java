package io.icemesh.events.v1;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * The one JSON mapping of icemesh events. Readers ignore unknown properties so that a producer may add fields
 * within a schema version without breaking older consumers.
 */
public final class EventJson {

    /** Shared, thread-safe mapper; configure nothing on it after start. */
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private EventJson() {
    }
}
