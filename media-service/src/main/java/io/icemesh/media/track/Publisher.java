package io.icemesh.media.track;

import io.icemesh.media.srtp.SrtpSession;

/**
 * What a track needs of the endpoint that publishes it: to name it, to know whether it can still be asked for a key
 * frame, and to send it the SFU's own RTCP (key frame requests, NACKs). The endpoint implements it; the track model
 * knows nothing else of endpoints.
 */
public interface Publisher {

    String id();

    /** Whether the publisher left (its endpoint closed). */
    boolean isClosed();

    /** Its SRTP keys once DTLS completed, else null: no RTCP can reach it before. */
    SrtpSession srtp();

    /** Protects and sends an RTCP compound the SFU originates; false when keys are missing or protection failed. */
    boolean sendRtcp(byte[] plain, int offset, int length, int senderSsrc);
}
