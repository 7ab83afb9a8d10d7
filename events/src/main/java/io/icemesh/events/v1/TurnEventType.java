package io.icemesh.events.v1;

/** What happened to a TURN allocation on turn-service. */
public enum TurnEventType {
    ALLOCATION_CREATED,
    ALLOCATION_REFRESHED,
    ALLOCATION_EXPIRED,
    ALLOCATION_DELETED,
    PERMISSION_CREATED,
    CHANNEL_BOUND,
    /** A request failed authentication (reason says why: unknown user, bad integrity, expired credential). */
    AUTH_FAILED,
    /** A request was refused by policy: quota, peer ACL, bandwidth (reason says which). */
    REJECTED,
    /** Periodic traffic counters of a live allocation. */
    TRAFFIC
}
