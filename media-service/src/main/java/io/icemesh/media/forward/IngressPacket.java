package io.icemesh.media.forward;

import io.icemesh.media.stream.IngressStream;
import io.icemesh.media.stream.PacketCache;
import io.icemesh.media.track.Layer;
import io.icemesh.media.track.Track;

/**
 * What {@link Ingress} learnt of one publisher packet, for {@link FanOut}: the packet itself stays in the receive
 * buffer, decrypted in place. One per receive thread, overwritten by every packet (no allocation per packet).
 */
final class IngressPacket {
    /** The track the packet belongs to. */
    Track track;
    /** Its simulcast layer, or null for a single-stream track. */
    Layer layer;
    /** The media SSRC it arrived on (an RTX packet's original's). */
    int ssrc;
    int sequenceNumber;
    /** Length of the plain packet in the buffer. */
    int length;
    /** Its RTP header length, extensions included. */
    int headerLength;
    /** Payload octets without padding, for the SFU's sender reports. */
    int payloadOctets;
    /** Whether it starts a VP8 key frame (of its layer, for simulcast; only cached video streams are looked at). */
    boolean keyframeStart;
    /** The publisher's stream for this SSRC. */
    IngressStream stream;
    /** The publisher's cache for this SSRC, or null when the stream is not cached. */
    PacketCache cache;
    long receivedNanos;
}
