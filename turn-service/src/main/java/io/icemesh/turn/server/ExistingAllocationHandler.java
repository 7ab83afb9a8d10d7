package io.icemesh.turn.server;

import io.icemesh.events.v1.TurnEventType;
import io.icemesh.turn.allocation.Allocation;
import io.icemesh.turn.allocation.AllocationManager;
import io.icemesh.turn.auth.AuthResult;
import io.icemesh.turn.events.TurnEventPublisher;
import io.icemesh.turn.metrics.TurnMetrics;
import io.icemesh.turn.policy.PeerAddressPolicy;
import io.icemesh.stun.ChannelData;
import io.icemesh.stun.StunAttributeType;
import io.icemesh.stun.StunErrorCode;
import io.icemesh.stun.StunMessage;
import io.icemesh.stun.StunMessageBuilder;
import io.icemesh.stun.XorAddress;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Requests on an existing allocation: Refresh (RFC 8656 Section 8.2), CreatePermission (Section 10.2) and
 * ChannelBind (Section 12.2). Each needs the allocation of the 5-tuple (else 437) and the credentials it was made
 * with (else 441). Channel numbers are accepted in RFC 5766's range 0x4000-0x7FFF unless the strict RFC 8656
 * range 0x4000-0x4FFF is configured (coturn 4.6.1's client and libwebrtc pick numbers above 0x4FFF). Peer addresses pass the ACL (403) before the family check (443), so an IPv4-mapped IPv6 form
 * of a forbidden address is refused as forbidden.
 */
final class ExistingAllocationHandler {

    private static final Logger LOG = Logger.getLogger(ExistingAllocationHandler.class);

    private final AllocationManager allocations;
    private final PeerAddressPolicy peers;
    private final LifetimePolicy lifetimes;
    private final long permissionNanos;
    private final long channelNanos;
    private final boolean strictChannelRange;
    private final TurnMetrics metrics;
    private final TurnEventPublisher events;

    ExistingAllocationHandler(AllocationManager allocations, PeerAddressPolicy peers, LifetimePolicy lifetimes,
            Duration permissionLifetime, Duration channelLifetime, boolean strictChannelRange, TurnMetrics metrics,
            TurnEventPublisher events) {
        this.strictChannelRange = strictChannelRange;
        this.allocations = allocations;
        this.peers = peers;
        this.lifetimes = lifetimes;
        this.permissionNanos = permissionLifetime.toNanos();
        this.channelNanos = channelLifetime.toNanos();
        this.metrics = metrics;
        this.events = events;
    }

    void refresh(StunMessage request, ClientConnection client, AuthResult auth) {
        Allocation allocation = ownAllocation(request, client, auth);
        if (allocation == null) {
            return;
        }
        long requested = request.uint32Value(StunAttributeType.LIFETIME);
        long granted = requested == 0 ? 0 : lifetimes.grant(requested);
        if (granted == 0) {
            allocations.remove(allocation, AllocationManager.EndReason.DELETED);
            client.attach(null);
        } else {
            allocation.refresh(System.nanoTime() + TimeUnit.SECONDS.toNanos(granted));
            events.allocationEvent(TurnEventType.ALLOCATION_REFRESHED, allocation, null, null);
        }
        client.send(StunResponses.sign(StunMessageBuilder.responseTo(request, true)
                .addUint32(StunAttributeType.LIFETIME, granted), auth));
    }

    void createPermission(StunMessage request, ClientConnection client, AuthResult auth) {
        Allocation allocation = ownAllocation(request, client, auth);
        if (allocation == null) {
            return;
        }
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (int i = 0; i < request.attributeCount(); i++) {
            if (request.attributeType(i) != StunAttributeType.XOR_PEER_ADDRESS) {
                continue;
            }
            InetSocketAddress peer = XorAddress.decode(request.bytes(), request.valueOffset(i), request.valueLength(i),
                    request.bytes(), 8);
            if (peer == null) {
                client.send(StunResponses.signedError(request, StunErrorCode.BAD_REQUEST, auth));
                return;
            }
            addresses.add(peer);
        }
        if (addresses.isEmpty()) {
            client.send(StunResponses.signedError(request, StunErrorCode.BAD_REQUEST, auth));
            return;
        }
        for (InetSocketAddress peer : addresses) {
            if (!checkPeer(request, client, auth, allocation, peer)) {
                return;
            }
        }
        long expires = System.nanoTime() + permissionNanos;
        for (InetSocketAddress peer : addresses) {
            if (!allocation.installPermission(peer.getAddress(), expires)) {
                client.send(StunResponses.signedError(request, StunErrorCode.INSUFFICIENT_CAPACITY, auth));
                return;
            }
        }
        for (InetSocketAddress peer : addresses) {
            events.allocationEvent(TurnEventType.PERMISSION_CREATED, allocation, peer.getAddress().getHostAddress(), null);
        }
        client.send(StunResponses.sign(StunMessageBuilder.responseTo(request, true), auth));
    }

    void channelBind(StunMessage request, ClientConnection client, AuthResult auth) {
        Allocation allocation = ownAllocation(request, client, auth);
        if (allocation == null) {
            return;
        }
        long channelValue = request.uint32Value(StunAttributeType.CHANNEL_NUMBER);
        int channel = (int) (channelValue >>> 16);
        InetSocketAddress peer = XorAddress.decode(request, StunAttributeType.XOR_PEER_ADDRESS);
        boolean inRange = strictChannelRange ? ChannelData.isValidChannel(channel) : ChannelData.isLegacyChannel(channel);
        // channels carry datagrams: a TCP allocation has none (RFC 6062 Section 5: it uses ConnectionBind instead)
        if (channelValue < 0 || !inRange || peer == null || !(allocation.relay() instanceof UdpRelay)) {
            LOG.debugf("ChannelBind from %s refused: channel 0x%x peer %s", client.fiveTuple().clientText(), channel, peer);
            client.send(StunResponses.signedError(request, StunErrorCode.BAD_REQUEST, auth));
            return;
        }
        if (!checkPeer(request, client, auth, allocation, peer)) {
            return;
        }
        long now = System.nanoTime();
        Allocation.BindResult result = allocation.bindChannel(channel, peer, now + channelNanos);
        switch (result) {
            case CONFLICT -> {
                LOG.debugf("ChannelBind from %s refused: channel 0x%x or peer %s already bound otherwise",
                        client.fiveTuple().clientText(), channel, peer);
                client.send(StunResponses.signedError(request, StunErrorCode.BAD_REQUEST, auth));
            }
            case TOO_MANY -> client.send(StunResponses.signedError(request, StunErrorCode.INSUFFICIENT_CAPACITY, auth));
            default -> {
                // a channel binding also installs or refreshes the permission (RFC 8656 Section 12.2)
                allocation.installPermission(peer.getAddress(), now + permissionNanos);
                if (result == Allocation.BindResult.BOUND) {
                    events.allocationEvent(TurnEventType.CHANNEL_BOUND, allocation, peer.getAddress().getHostAddress()
                            + ":" + peer.getPort(), null);
                }
                client.send(StunResponses.sign(StunMessageBuilder.responseTo(request, true), auth));
            }
        }
    }

    /** The allocation of the 5-tuple made with these credentials, or null after answering 437 or 441. */
    Allocation ownAllocation(StunMessage request, ClientConnection client, AuthResult auth) {
        Allocation allocation = client.allocation();
        if (allocation == null || allocation.relay() == null || allocation.relay().address() == null) {
            client.send(StunResponses.signedError(request, StunErrorCode.ALLOCATION_MISMATCH, auth));
            return null;
        }
        if (!allocation.username().equals(auth.username()) || !allocation.hasKey(auth.key())) {
            metrics.authFailed(TurnMetrics.AuthFailure.WRONG_CREDENTIALS);
            client.send(StunResponses.signedError(request, StunErrorCode.WRONG_CREDENTIALS, auth));
            return null;
        }
        return allocation;
    }

    /** ACL first (403), then the family must match the relay's (443). */
    boolean checkPeer(StunMessage request, ClientConnection client, AuthResult auth, Allocation allocation,
            InetSocketAddress peer) {
        if (!peers.permits(peer.getAddress())) {
            metrics.aclDenied();
            events.allocationEvent(TurnEventType.REJECTED, allocation, peer.getAddress().getHostAddress(), "peer_acl");
            client.send(StunResponses.signedError(request, StunErrorCode.FORBIDDEN, auth));
            return false;
        }
        boolean relayIpv4 = allocation.relay().address().getAddress() instanceof Inet4Address;
        if (relayIpv4 != (peer.getAddress() instanceof Inet4Address)) {
            client.send(StunResponses.signedError(request, StunErrorCode.PEER_ADDRESS_FAMILY_MISMATCH, auth));
            return false;
        }
        return true;
    }
}
