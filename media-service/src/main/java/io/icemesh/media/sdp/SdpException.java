package io.icemesh.media.sdp;

/** SDP that cannot be used: malformed, or missing what WebRTC requires. The message goes into ERROR replies. */
public class SdpException extends Exception {
    public SdpException(String message) {
        super(message);
    }
}
