package io.icemesh.turn.server;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/**
 * Small TCP/TLS connection caps and short deadlines, so that a bounded flood from loopback reaches them within a
 * test: 300 connections in all, 40 per source, a frame must arrive within 1 s, an authenticated request within 6 s
 * (far enough apart that a test can tell which deadline closed a connection from the metric).
 */
public class StreamLimitsProfile implements QuarkusTestProfile {

    static final int MAX_CONNECTIONS = 300;
    static final int MAX_PER_SOURCE = 40;

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "icemesh.turn.listen.max-stream-connections", String.valueOf(MAX_CONNECTIONS),
                "icemesh.turn.listen.max-stream-connections-per-source", String.valueOf(MAX_PER_SOURCE),
                "icemesh.turn.listen.stream-frame-timeout", "1s",
                "icemesh.turn.listen.stream-auth-timeout", "6s");
    }
}
