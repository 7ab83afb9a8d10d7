package io.icemesh.doctor;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/** What the doctor found about one listed URL; filled in by {@link ServerCheck}, read by the report. */
final class ServerResult {

    /** Worst first. */
    enum Status {
        /** The server cannot be used as listed. */
        FAILED,
        /** It works, but slower than it should or with something a client will trip on. */
        WARNING,
        /** It works. */
        OK
    }

    final IceServerUrl url;
    /** The list entry's credentials (TURN), as given. */
    final String username;
    final String credential;

    Dns.Result dns;
    InetSocketAddress address;
    /** TCP connect time (TCP and TLS), or -1. */
    long connectNanos = -1;
    /** The TCP connect got no answer at all (a firewall dropping it): clients wait for their OS's connect timeout. */
    boolean connectTimedOut;
    Tls.Handshake tls;
    /** STUN: the Binding transaction. */
    Exchange.Outcome binding;
    /** STUN Binding's or TURN Allocate's XOR-MAPPED-ADDRESS: this client as the server sees it. */
    InetSocketAddress mapped;
    /** TURN: the unauthenticated Allocate (answered 401 by a server that checks credentials). */
    Exchange.Outcome challenge;
    /** TURN: the authenticated Allocate. */
    Exchange.Outcome allocate;
    InetSocketAddress relay;
    /** TURN: data sent through one allocation to another and back, or -1. */
    long relayRoundTripNanos = -1;
    /** TURN: what the relay round trip could not do (null when it passed). */
    String relayNote;
    /** When the whole check (DNS included) ended, ns after it started. */
    long totalNanos;

    Status status = Status.OK;
    /** The cause in plain words: the first thing that failed, or null. */
    String failure;
    final List<String> warnings = new ArrayList<>();

    ServerResult(IceServerUrl url, String username, String credential) {
        this.url = url;
        this.username = username;
        this.credential = credential;
    }

    void fail(String cause) {
        if (failure == null) {
            failure = cause;
        }
        status = Status.FAILED;
    }

    void warn(String what) {
        warnings.add(what);
        if (status == Status.OK) {
            status = Status.WARNING;
        }
    }

    boolean ok() {
        return status != Status.FAILED;
    }

    /** How long a client waits for this server's first useful answer: DNS, connect, TLS and the exchange. */
    double answerMillis() {
        double ms = dns == null ? 0 : dns.millis();
        if (connectNanos > 0) {
            ms += connectNanos / 1e6;
        }
        if (tls != null) {
            ms += tls.handshakeNanos() / 1e6;
        }
        if (binding != null) {
            ms += binding.elapsedMillis();
        }
        if (challenge != null) {
            ms += challenge.elapsedMillis();
        }
        if (allocate != null) {
            ms += allocate.elapsedMillis();
        }
        return ms;
    }
}
