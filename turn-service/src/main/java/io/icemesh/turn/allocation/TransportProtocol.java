package io.icemesh.turn.allocation;

/** The transport between client and server (RFC 8656 Section 3.1): the relay itself is always UDP here. */
public enum TransportProtocol {
    UDP, TCP, TLS;

    /** The lower-case name used in events and metric labels. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
