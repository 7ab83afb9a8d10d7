package io.icemesh.turn.auth;

import io.icemesh.stun.TurnRestCredential;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Finds the passwords a username may hold: a static user's password, or for TURN REST usernames the password under
 * each configured shared secret (the current one first, then previous ones, so secrets can rotate). A TURN REST
 * username that has expired, or whose expiry lies further ahead than the longest lifetime allowed, holds none.
 */
public final class CredentialStore {

    /** What a username lookup found. */
    public enum Status { FOUND, UNKNOWN, EXPIRED, LIFETIME_TOO_LONG }

    /** A lookup result: the status and the candidate passwords (empty unless FOUND). */
    public record Lookup(Status status, List<String> passwords) {
    }

    /**
     * Slack on the longest lifetime for clocks that disagree: whoever minted the credential (signaling, or a client
     * such as coturn's uclient that mints exactly one day) may run a few minutes ahead of this node.
     */
    static final long CLOCK_SKEW_SECONDS = 300;

    private final Map<String, String> staticUsers;
    private final List<String> secrets;
    private final long maxLifetimeSeconds;
    private final long graceSeconds;

    /**
     * @param staticUsers user name to password
     * @param secrets TURN REST shared secrets, current first; empty disables REST credentials
     * @param maxLifetimeSeconds how far ahead a TURN REST expiry may lie (plus {@link #CLOCK_SKEW_SECONDS})
     */
    public CredentialStore(Map<String, String> staticUsers, List<String> secrets, long maxLifetimeSeconds) {
        this(staticUsers, secrets, maxLifetimeSeconds, maxLifetimeSeconds);
    }

    /**
     * @param staticUsers user name to password
     * @param secrets TURN REST shared secrets, current first; empty disables REST credentials
     * @param maxLifetimeSeconds how far ahead a TURN REST expiry may lie (plus {@link #CLOCK_SKEW_SECONDS})
     * @param graceSeconds how long past its expiry a credential still keeps the allocation it made
     *     ({@link #lookupForOwnAllocation})
     */
    public CredentialStore(Map<String, String> staticUsers, List<String> secrets, long maxLifetimeSeconds,
            long graceSeconds) {
        this.staticUsers = Map.copyOf(staticUsers);
        this.secrets = List.copyOf(secrets);
        this.maxLifetimeSeconds = maxLifetimeSeconds;
        this.graceSeconds = graceSeconds;
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
        if (expiry - nowSeconds > maxLifetimeSeconds + CLOCK_SKEW_SECONDS) {
            return new Lookup(Status.LIFETIME_TOO_LONG, List.of());
        }
        return new Lookup(Status.FOUND, restPasswords(username));
    }

    /**
     * A username's lookup for a request on the allocation that username made (Refresh, CreatePermission,
     * ChannelBind from its 5-tuple): a TURN REST credential that expired since is still FOUND while its expiry is at
     * most the grace ago, so that a call outlives the credential it started with, as
     * draft-uberti-behave-turn-rest-00 Section 4.2 has it (the expiry is checked on Allocate) and coturn does. A new
     * allocation always needs an unexpired credential ({@link #lookup}).
     */
    public Lookup lookupForOwnAllocation(String username, long nowSeconds) {
        Lookup lookup = lookup(username, nowSeconds);
        if (lookup.status() != Status.EXPIRED || nowSeconds - TurnRestCredential.expiryOf(username) > graceSeconds) {
            return lookup;
        }
        return new Lookup(Status.FOUND, restPasswords(username));
    }

    /**
     * The passwords to check a request's integrity with when only its nonce is stale: any credential this store
     * would accept or has accepted (an expired one included), so the sender can be told apart from noise. Never
     * used to grant anything.
     */
    public Lookup lookupForStaleNonce(String username, long nowSeconds) {
        Lookup lookup = lookup(username, nowSeconds);
        return lookup.status() == Status.EXPIRED ? new Lookup(Status.FOUND, restPasswords(username)) : lookup;
    }

    private List<String> restPasswords(String username) {
        List<String> candidates = new ArrayList<>(secrets.size());
        for (String secret : secrets) {
            candidates.add(TurnRestCredential.password(secret, username));
        }
        return candidates;
    }
}
