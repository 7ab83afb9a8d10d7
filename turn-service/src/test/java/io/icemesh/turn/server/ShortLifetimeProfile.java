package io.icemesh.turn.server;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** Lifetimes of a couple of seconds, so that expiry can be observed within a test. */
public class ShortLifetimeProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "icemesh.turn.allocation.default-lifetime", "2s",
                "icemesh.turn.allocation.max-lifetime", "2s",
                "icemesh.turn.allocation.sweep-interval", "100ms");
    }
}
