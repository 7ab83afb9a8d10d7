package io.icemesh.turn.interop;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/**
 * Interop tests relay to peers on loopback, which the default configuration refuses: only this profile allows
 * them. Quotas and the unauthenticated rate are raised because every test client comes from 127.0.0.1 and
 * turnutils_uclient leaves its allocations behind when it exits.
 */
public class LoopbackPeersProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "icemesh.turn.allow-loopback-peers", "true",
                "icemesh.turn.allocation.max-per-user", "1000",
                "icemesh.turn.auth.unauthenticated-rate", "10000",
                "icemesh.turn.auth.unauthenticated-burst", "10000",
                "icemesh.turn.auth.unauthenticated-port-rate", "10000",
                "icemesh.turn.auth.unauthenticated-port-burst", "10000");
    }
}
