package io.icemesh.turn.server;

import io.icemesh.events.v1.TurnEventType;
import io.icemesh.turn.allocation.Allocation;
import io.icemesh.turn.auth.AuthResult;
import io.icemesh.turn.auth.RequestAuthenticator;
import io.icemesh.turn.events.TurnEventPublisher;
import io.icemesh.turn.metrics.TurnMetrics;
import io.icemesh.turn.policy.UnauthenticatedRateLimiter;
import io.icemesh.stun.StunAttributeType;
import io.icemesh.stun.StunErrorCode;
import io.icemesh.stun.TurnRestCredential;
import io.icemesh.stun.StunMessage;
import io.icemesh.stun.StunMessageBuilder;
import io.icemesh.stun.StunMessageDecoder;
import io.icemesh.stun.StunMessageType;

/**
 * Handles STUN requests: Binding (RFC 8489 Section 18.2) and the authenticated TURN requests (RFC 8656),
 * after checking for unknown comprehension-required attributes (RFC 8489 Section 6.3.1). Answers that go to
 * unauthenticated UDP sources pass the per-source rate limit first; answers to requests signed with the user's key
 * never wait for it.
 */
final class TurnRequestHandler {

    private final RequestAuthenticator authenticator;
    private final UnauthenticatedRateLimiter rateLimiter;
    private final AllocateHandler allocate;
    private final ExistingAllocationHandler allocationRequests;
    private final TcpRequestHandler tcpRequests;
    private final TurnMetrics metrics;
    private final TurnEventPublisher events;

    TurnRequestHandler(RequestAuthenticator authenticator, UnauthenticatedRateLimiter rateLimiter,
            AllocateHandler allocate, ExistingAllocationHandler allocationRequests, TcpRequestHandler tcpRequests,
            TurnMetrics metrics, TurnEventPublisher events) {
        this.tcpRequests = tcpRequests;
        this.authenticator = authenticator;
        this.rateLimiter = rateLimiter;
        this.allocate = allocate;
        this.allocationRequests = allocationRequests;
        this.metrics = metrics;
        this.events = events;
    }

    /** Handles a decoded request from a client. */
    void handle(StunMessage request, ClientConnection client) {
        int method = request.method();
        metrics.request(StunMessageType.methodName(method));
        int[] unknown = new int[StunMessageDecoder.MAX_ATTRIBUTES];
        int unknownCount = 0;
        for (int i = 0; i < request.attributeCount(); i++) {
            int type = request.attributeType(i);
            if (StunAttributeType.isComprehensionRequired(type) && !StunAttributeType.isKnownRequired(type)) {
                unknown[unknownCount++] = type;
            }
        }
        if (unknownCount > 0) {
            answerUnauthenticated(client, StunResponses.unknownAttributes(request, unknown, unknownCount));
            return;
        }
        switch (method) {
            case StunMessageType.METHOD_BINDING -> binding(request, client);
            case StunMessageType.METHOD_ALLOCATE, StunMessageType.METHOD_REFRESH,
                    StunMessageType.METHOD_CREATE_PERMISSION, StunMessageType.METHOD_CHANNEL_BIND,
                    StunMessageType.METHOD_CONNECT, StunMessageType.METHOD_CONNECTION_BIND ->
                    authenticated(request, client);
            default -> answerUnauthenticated(client, StunResponses.error(request, StunErrorCode.BAD_REQUEST));
        }
    }

    private void binding(StunMessage request, ClientConnection client) {
        byte[] response = StunResponses.finish(request, StunMessageBuilder.responseTo(request, true)
                .addXorAddress(StunAttributeType.XOR_MAPPED_ADDRESS, client.fiveTuple().client()));
        answerUnauthenticated(client, response);
    }

    private void authenticated(StunMessage request, ClientConnection client) {
        long nowSeconds = System.currentTimeMillis() / 1000;
        // A request on the 5-tuple's own allocation may use the credential that made it after it expired (a call
        // outlives its credential): Refresh, CreatePermission, ChannelBind; and a ConnectionBind of a connection
        // waiting on an allocation of the same client address (a peer connecting to a TCP relay of a call already
        // granted). What opens something new (an Allocate, a Connect to a TCP peer) needs a valid one.
        int method = request.method();
        boolean keeps = method == StunMessageType.METHOD_REFRESH || method == StunMessageType.METHOD_CREATE_PERMISSION
                || method == StunMessageType.METHOD_CHANNEL_BIND;
        Allocation own = keeps ? client.allocation()
                : method == StunMessageType.METHOD_CONNECTION_BIND ? tcpRequests.allocationToBind(request, client)
                : null;
        AuthResult auth = authenticator.authenticate(request, client.fiveTuple().client().getAddress(), nowSeconds,
                own == null ? null : own.username());
        if (auth.authenticated()) {
            long expiry = own == null ? -1 : TurnRestCredential.expiryOf(auth.username());
            if (expiry >= 0 && expiry < nowSeconds) {
                metrics.expiredCredentialKept();
            }
            switch (request.method()) {
                case StunMessageType.METHOD_ALLOCATE -> allocate.allocate(request, client, auth);
                case StunMessageType.METHOD_REFRESH -> allocationRequests.refresh(request, client, auth);
                case StunMessageType.METHOD_CREATE_PERMISSION -> allocationRequests.createPermission(request, client, auth);
                case StunMessageType.METHOD_CONNECT -> tcpRequests.connect(request, client, auth);
                case StunMessageType.METHOD_CONNECTION_BIND -> tcpRequests.connectionBind(request, client, auth);
                default -> allocationRequests.channelBind(request, client, auth);
            }
            return;
        }
        String nonce = authenticator.nonceFor(client.fiveTuple().client().getAddress(), nowSeconds);
        byte[] answer = switch (auth.error()) {
            case BAD_REQUEST -> StunResponses.error(request, StunErrorCode.BAD_REQUEST);
            default -> StunResponses.challenge(request, auth.error(), authenticator.realm(), nonce);
        };
        TurnMetrics.AuthFailure failure = failureOf(auth.reason());
        if (failure != null) {
            metrics.authFailed(failure);
            if (failure != TurnMetrics.AuthFailure.STALE_NONCE) {
                events.clientEvent(TurnEventType.AUTH_FAILED, client.fiveTuple(), auth.username(), auth.reason());
            }
        }
        if (auth.signedByUser()) {
            // only the nonce was stale: the sender knows the password, so it is answered whatever its address spent
            client.send(answer);
        } else {
            answerUnauthenticated(client, answer);
        }
    }

    private static TurnMetrics.AuthFailure failureOf(String reason) {
        return switch (reason) {
            case RequestAuthenticator.REASON_UNKNOWN_USER -> TurnMetrics.AuthFailure.UNKNOWN_USER;
            case RequestAuthenticator.REASON_EXPIRED -> TurnMetrics.AuthFailure.EXPIRED_CREDENTIAL;
            case RequestAuthenticator.REASON_LIFETIME_TOO_LONG -> TurnMetrics.AuthFailure.CREDENTIAL_LIFETIME_TOO_LONG;
            case RequestAuthenticator.REASON_BAD_INTEGRITY -> TurnMetrics.AuthFailure.BAD_INTEGRITY;
            case RequestAuthenticator.REASON_STALE_NONCE -> TurnMetrics.AuthFailure.STALE_NONCE;
            case RequestAuthenticator.REASON_BAD_REQUEST, RequestAuthenticator.REASON_USERHASH ->
                    TurnMetrics.AuthFailure.BAD_REQUEST;
            default -> null;
        };
    }

    /**
     * Sends an answer to a request that did not authenticate. Over UDP it passes the reflection rate limit first; a
     * TCP or TLS peer completed a handshake, so its address is real and its answers are bounded by the connection
     * limits instead.
     */
    private void answerUnauthenticated(ClientConnection client, byte[] answer) {
        if (client.isStream() || rateLimiter.allow(client.fiveTuple().client(), System.nanoTime())) {
            client.send(answer);
        } else {
            metrics.rateLimited();
        }
    }
}
