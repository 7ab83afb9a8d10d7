package io.icemesh.turn.server;

import io.icemesh.events.v1.TurnEventType;
import io.icemesh.turn.allocation.Allocation;
import io.icemesh.turn.allocation.AllocationManager;
import io.icemesh.turn.auth.AuthResult;
import io.icemesh.turn.events.TurnEventPublisher;
import io.icemesh.turn.metrics.TurnMetrics;
import io.icemesh.stun.StunAttributeType;
import io.icemesh.stun.StunErrorCode;
import io.icemesh.stun.StunMessage;
import io.icemesh.stun.StunMessageBuilder;
import io.icemesh.stun.XorAddress;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Allocate (RFC 8656 Section 7.2): checks the 5-tuple, REQUESTED-TRANSPORT, address family, reservation
 * attributes and quotas, binds a relay port, and answers with XOR-RELAYED-ADDRESS, LIFETIME and
 * XOR-MAPPED-ADDRESS. A retransmitted Allocate gets the success answer again. REQUESTED-TRANSPORT UDP makes a UDP
 * relay; TCP (RFC 6062, over a TCP or TLS control connection only) a listening TCP relay, the same quotas applying.
 */
final class AllocateHandler {

    private static final Logger LOG = Logger.getLogger(AllocateHandler.class);
    /** REQUESTED-TRANSPORT protocol number for UDP (RFC 8656 Section 14.7). */
    static final int PROTOCOL_UDP = 17;
    /** REQUESTED-TRANSPORT protocol number for TCP (RFC 6062 Section 5.1). */
    static final int PROTOCOL_TCP = 6;
    /** Reason phrase while draining: clients see why and may try another server. */
    static final String DRAINING_REASON = "Server draining: try another TURN server";

    private final AllocationManager allocations;
    private final RelayPortAllocator ipv4Relays;
    private final RelayPortAllocator ipv6Relays;
    private final RelayAddressMapper addressMapper;
    private final LifetimePolicy lifetimes;
    private final long bandwidthBytesPerSecond;
    private final TurnMetrics metrics;
    private final TurnEventPublisher events;
    private final TcpConnections tcpConnections;

    AllocateHandler(AllocationManager allocations, RelayPortAllocator ipv4Relays, RelayPortAllocator ipv6Relays,
            RelayAddressMapper addressMapper, LifetimePolicy lifetimes, long bandwidthBytesPerSecond,
            TurnMetrics metrics, TurnEventPublisher events, TcpConnections tcpConnections) {
        this.tcpConnections = tcpConnections;
        this.allocations = allocations;
        this.ipv4Relays = ipv4Relays;
        this.ipv6Relays = ipv6Relays;
        this.addressMapper = addressMapper;
        this.lifetimes = lifetimes;
        this.bandwidthBytesPerSecond = bandwidthBytesPerSecond;
        this.metrics = metrics;
        this.events = events;
    }

    void allocate(StunMessage request, ClientConnection client, AuthResult auth) {
        Allocation existing = allocations.get(client.fiveTuple());
        if (existing != null) {
            if (existing.createdBy(request.transactionId()) && existing.relay() != null) {
                long remainingNanos = existing.expiresAtNanos() - System.nanoTime();
                client.send(success(request, existing, auth, Math.max(0, (remainingNanos + 999_999_999L) / 1_000_000_000L)));
            } else if (!existing.createdBy(request.transactionId())) {
                fail(request, client, auth, StunErrorCode.ALLOCATION_MISMATCH, TurnMetrics.AllocateFailure.MISMATCH);
            }
            return;
        }
        long transport = request.uint32Value(StunAttributeType.REQUESTED_TRANSPORT);
        if (transport < 0) {
            fail(request, client, auth, StunErrorCode.BAD_REQUEST, TurnMetrics.AllocateFailure.BAD_REQUEST);
            return;
        }
        long protocol = transport >>> 24;
        if (protocol != PROTOCOL_UDP && protocol != PROTOCOL_TCP) {
            fail(request, client, auth, StunErrorCode.UNSUPPORTED_TRANSPORT_PROTOCOL,
                    TurnMetrics.AllocateFailure.UNSUPPORTED_TRANSPORT);
            return;
        }
        boolean tcp = protocol == PROTOCOL_TCP;
        if (tcp && (!client.isStream() || request.has(StunAttributeType.EVEN_PORT)
                || request.has(StunAttributeType.DONT_FRAGMENT) || request.has(StunAttributeType.RESERVATION_TOKEN))) {
            // RFC 6062 Section 5.1: a TCP allocation is asked for over TCP or TLS, without these attributes
            fail(request, client, auth, StunErrorCode.BAD_REQUEST, TurnMetrics.AllocateFailure.BAD_REQUEST);
            return;
        }
        if (request.has(StunAttributeType.RESERVATION_TOKEN)) {
            // this server keeps no reservations, so every token is unknown (RFC 8656 Section 7.2 step 5)
            fail(request, client, auth, StunErrorCode.INSUFFICIENT_CAPACITY, TurnMetrics.AllocateFailure.NO_RELAY_PORT);
            return;
        }
        RelayPortAllocator relays = chooseFamily(request, client, auth);
        if (relays == null) {
            return;
        }
        AllocationManager.Admission admission = allocations.reserve(auth.username(),
                client.fiveTuple().client().getAddress());
        if (admission != AllocationManager.Admission.OK) {
            refuse(request, client, auth, admission);
            return;
        }
        long lifetime = lifetimes.grant(request.uint32Value(StunAttributeType.LIFETIME));
        long now = System.nanoTime();
        Allocation allocation = new Allocation(newId(), client.fiveTuple(), auth.username(), auth.key(),
                request.transactionId(), now + TimeUnit.SECONDS.toNanos(lifetime), bandwidthBytesPerSecond, now);
        if (allocations.putIfAbsent(allocation) != null) {
            allocations.release(auth.username(), client.fiveTuple().client().getAddress());
            fail(request, client, auth, StunErrorCode.ALLOCATION_MISMATCH, TurnMetrics.AllocateFailure.MISMATCH);
            return;
        }
        client.attach(allocation);
        Runnable noPort = () -> {
            allocations.abandon(allocation);
            client.attach(null);
            fail(request, client, auth, StunErrorCode.INSUFFICIENT_CAPACITY, TurnMetrics.AllocateFailure.NO_RELAY_PORT);
        };
        if (tcp) {
            TcpRelay relay = new TcpRelay(allocation, client, tcpConnections, relays, metrics);
            allocation.attachRelay(relay);
            relays.openTcp(client.eventLoop(), relay.acceptor(), channel -> {
                relay.bound(channel, addressMapper.advertised((InetSocketAddress) channel.localAddress()));
                created(request, client, auth, allocation, channel::close, lifetime);
            }, noPort);
            return;
        }
        UdpRelay relay = new UdpRelay(allocation, client, metrics);
        allocation.attachRelay(relay);
        relays.open(client.eventLoop(), relay, request.has(StunAttributeType.EVEN_PORT), local -> {
            relay.advertise(addressMapper.advertised(local));
            created(request, client, auth, allocation, relay::close, lifetime);
        }, noPort);
    }

    /** The relay socket is bound: answer, count and announce, unless the allocation went meanwhile. */
    private void created(StunMessage request, ClientConnection client, AuthResult auth, Allocation allocation,
            Runnable closeRelay, long lifetime) {
        if (allocations.get(client.fiveTuple()) != allocation) {
            closeRelay.run();
            return;
        }
        client.send(success(request, allocation, auth, lifetime));
        metrics.allocationCreated(client.transportLabel());
        events.allocationEvent(TurnEventType.ALLOCATION_CREATED, allocation, null, null);
        LOG.debugf("allocation %s for %s relay %s lifetime %ds", allocation.id(), client.fiveTuple().clientText(),
                allocation.relay().address(), lifetime);
    }

    /** The relay family asked for (RFC 8656 Section 7.2 step 6), or null after answering 400/440. */
    private RelayPortAllocator chooseFamily(StunMessage request, ClientConnection client, AuthResult auth) {
        if (request.has(StunAttributeType.ADDITIONAL_ADDRESS_FAMILY)) {
            // dual allocations (RFC 8656 Section 7.2) are not offered: one family per allocation
            fail(request, client, auth, StunErrorCode.BAD_REQUEST, TurnMetrics.AllocateFailure.BAD_REQUEST);
            return null;
        }
        int i = request.indexOf(StunAttributeType.REQUESTED_ADDRESS_FAMILY);
        if (i < 0) {
            return ipv4Relays;
        }
        if (request.valueLength(i) != 4) {
            fail(request, client, auth, StunErrorCode.BAD_REQUEST, TurnMetrics.AllocateFailure.BAD_REQUEST);
            return null;
        }
        int family = request.bytes()[request.valueOffset(i)] & 0xFF;
        RelayPortAllocator chosen = family == XorAddress.FAMILY_IPV4 ? ipv4Relays
                : family == XorAddress.FAMILY_IPV6 ? ipv6Relays : null;
        if (chosen == null) {
            fail(request, client, auth, StunErrorCode.ADDRESS_FAMILY_NOT_SUPPORTED,
                    TurnMetrics.AllocateFailure.ADDRESS_FAMILY);
        }
        return chosen;
    }

    private void refuse(StunMessage request, ClientConnection client, AuthResult auth,
            AllocationManager.Admission admission) {
        switch (admission) {
            case DRAINING -> {
                metrics.allocateFailed(TurnMetrics.AllocateFailure.DRAINING);
                client.send(StunResponses.sign(StunMessageBuilder.responseTo(request, false)
                        .addErrorCode(StunErrorCode.INSUFFICIENT_CAPACITY.code(), DRAINING_REASON), auth));
            }
            case USER_QUOTA -> fail(request, client, auth, StunErrorCode.ALLOCATION_QUOTA_REACHED,
                    TurnMetrics.AllocateFailure.USER_QUOTA);
            case SOURCE_QUOTA -> fail(request, client, auth, StunErrorCode.ALLOCATION_QUOTA_REACHED,
                    TurnMetrics.AllocateFailure.SOURCE_QUOTA);
            default -> fail(request, client, auth, StunErrorCode.ALLOCATION_QUOTA_REACHED,
                    TurnMetrics.AllocateFailure.TOTAL_QUOTA);
        }
        events.clientEvent(TurnEventType.REJECTED, client.fiveTuple(), auth.username(),
                admission.name().toLowerCase(java.util.Locale.ROOT));
    }

    private void fail(StunMessage request, ClientConnection client, AuthResult auth, StunErrorCode code,
            TurnMetrics.AllocateFailure failure) {
        metrics.allocateFailed(failure);
        client.send(StunResponses.signedError(request, code, auth));
    }

    private static byte[] success(StunMessage request, Allocation allocation, AuthResult auth, long lifetimeSeconds) {
        return StunResponses.sign(StunMessageBuilder.responseTo(request, true)
                .addXorAddress(StunAttributeType.XOR_RELAYED_ADDRESS, allocation.relay().address())
                .addUint32(StunAttributeType.LIFETIME, lifetimeSeconds)
                .addXorAddress(StunAttributeType.XOR_MAPPED_ADDRESS, allocation.fiveTuple().client()), auth);
    }

    private static String newId() {
        byte[] id = new byte[8];
        ThreadLocalRandom.current().nextBytes(id);
        return HexFormat.of().formatHex(id);
    }
}
