package io.icemesh.turn.interop;

import io.icemesh.stun.TurnRestCredential;

/** TURN REST credentials for a test session, signed with the test-only secret, valid for ten minutes. */
record RelayCredentials(String username, String password) {

    static final String TEST_SECRET = "test-only-secret";

    static RelayCredentials forSession(String sessionId) {
        String username = (System.currentTimeMillis() / 1000 + 600) + ":" + sessionId;
        return new RelayCredentials(username, TurnRestCredential.password(TEST_SECRET, username));
    }
}
