package io.icemesh.turn.auth;

import io.icemesh.stun.TurnRestCredential;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Finds the passwords a username may hold: a static user's password, or for TURN REST usernames the password under
 * each configured shared secret (the current one first, then previous ones, so secrets can rotate).
 */
public final class CredentialStore {

    /** What a username lookup found. */
    public enum Status { FOUND, UNKNOWN, EXPIRED }

    /** A lookup result: the status and the candidate passwords (empty unless FOUND). */
    public record Lookup(Status status, List<String> passwords) {
    }

    private final Map<String, String> staticUsers;
    private final List<String> secrets;

    /**
     * @param staticUsers user name to password
     * @param secrets TURN REST shared secrets, current first; empty disables REST credentials
     */
    public CredentialStore(Map<String, String> staticUsers, List<String> secrets) {
        this.staticUsers = Map.copyOf(staticUsers);
        this.secrets = List.copyOf(secrets);
    }

    /** Looks a username up at time {@code nowSeconds} (Unix seconds). */
    public Lookup lookup(String username, long nowSeconds) {
        String password = staticUsers.get(username);
        if (password != null) {
            return new Lookup(Status.FOUND, List.of(password));
        }
        long expiry = TurnRestCredential.expiryOf(username);
        if (expiry < 0 || secrets.isEmpty()) {
            return new Lookup(Status.UNKNOWN, List.of());
        }
        if (expiry < nowSeconds) {
            return new Lookup(Status.EXPIRED, List.of());
        }
        List<String> candidates = new ArrayList<>(secrets.size());
        for (String secret : secrets) {
            candidates.add(TurnRestCredential.password(secret, username));
        }
        return new Lookup(Status.FOUND, candidates);
    }
}
