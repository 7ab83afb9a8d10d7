package io.icemesh.monitor.timeline;

import io.icemesh.events.v1.EventSchema;
import io.icemesh.events.v1.TurnEvent;
import io.icemesh.events.v1.TurnEventType;

/** TURN events as turn-service publishes them for a TURN REST username {@code expiry:session}. */
final class TurnEvents {

    private TurnEvents() {
    }

    /** An event of {@code type} for {@code session}; an allocation id only for allocation events. */
    static TurnEvent of(TurnEventType type, String session, String reason) {
        boolean refusal = type == TurnEventType.AUTH_FAILED || type == TurnEventType.REJECTED;
        return new TurnEvent(EventSchema.VERSION, type, "turn-1", refusal ? null : "alloc-" + session,
                "1999999999:" + session, session, "198.51.100.7:40000", "udp", null, null, reason, null, null, null,
                null, 0);
    }
}
