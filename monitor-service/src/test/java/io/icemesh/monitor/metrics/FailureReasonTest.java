package io.icemesh.monitor.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class FailureReasonTest {

    @Test
    void mapsFreeTextOntoTheFixedSet() {
        assertEquals(FailureReason.TURN_AUTH, FailureReason.classify("TURN 401 Unauthorized"));
        assertEquals(FailureReason.TURN_AUTH, FailureReason.classify("438 Stale Nonce"));
        assertEquals(FailureReason.TURN_REJECTED, FailureReason.classify("486 Allocation Quota Reached"));
        assertEquals(FailureReason.DTLS_FAILED, FailureReason.classify("DTLS handshake failed"));
        assertEquals(FailureReason.ICE_FAILED, FailureReason.classify("ICE connection state failed"));
        assertEquals(FailureReason.ICE_FAILED, FailureReason.classify(null));
        assertEquals(FailureReason.SIGNALING, FailureReason.classify("WebSocket closed"));
        assertEquals(FailureReason.OTHER, FailureReason.classify("the cat unplugged the router"));
    }
}
