package io.icemesh.media.endpoint;

import io.icemesh.media.srtp.SrtpProfile;

/** Outcomes of an endpoint's transport, reported once each, from ICE, DTLS and receive threads. */
public interface EndpointObserver {

    void iceConnected(Endpoint endpoint, String localType, String remoteType, long elapsedNanos);

    /** A restarted ICE agent connected and now carries the endpoint's packets. */
    void iceRestarted(Endpoint endpoint, String localType, String remoteType);

    void dtlsConnected(Endpoint endpoint, SrtpProfile profile, long elapsedNanos);

    /** ICE or DTLS failed: the endpoint is finished. */
    void transportFailed(Endpoint endpoint, String reason);

    void firstRtpIn(Endpoint endpoint);

    void firstRtpOut(Endpoint endpoint);
}
