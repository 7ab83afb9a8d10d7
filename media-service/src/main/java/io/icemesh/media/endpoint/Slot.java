package io.icemesh.media.endpoint;

import io.icemesh.media.sdp.Codec;
import io.icemesh.media.sdp.MediaLine;
import io.icemesh.media.track.Track;

/**
 * One m-section of an endpoint's session as the SFU keeps it across renegotiations: either one the client offered
 * (what it publishes), or one the SFU added to forward another endpoint's track, which goes inactive when that
 * track leaves and is reused for the next track of the same kind (RFC 8829 section 5.2.2).
 */
final class Slot {

    final String kind;
    final String mid;
    final boolean clientOwned;
    final boolean rejected;
    final String protocol;
    final String formats;
    final Codec codec;
    /** The SFU's direction for client-owned slots (recvonly or inactive). */
    final String clientSlotDirection;
    /** The forwarded track of an SFU slot, null while inactive. */
    Track track;
    /** Attribute lines the SFU's answer adds to a client slot (simulcast: extmap, rid, simulcast). */
    java.util.List<String> answerAttributes = java.util.List.of();

    private Slot(String kind, String mid, boolean clientOwned, boolean rejected, String protocol, String formats,
            Codec codec, String clientSlotDirection) {
        this.kind = kind;
        this.mid = mid;
        this.clientOwned = clientOwned;
        this.rejected = rejected;
        this.protocol = protocol;
        this.formats = formats;
        this.codec = codec;
        this.clientSlotDirection = clientSlotDirection;
    }

    static Slot client(String kind, String mid, Codec codec, String sfuDirection) {
        return new Slot(kind, mid, true, false, "UDP/TLS/RTP/SAVPF", null, codec, sfuDirection);
    }

    static Slot rejected(String kind, String mid, String protocol, String formats) {
        return new Slot(kind, mid, true, true, protocol, formats, null, "inactive");
    }

    static Slot forwarding(String kind, String mid) {
        return new Slot(kind, mid, false, false, "UDP/TLS/RTP/SAVPF", null, Codec.canonical(kind), null);
    }

    MediaLine toMediaLine() {
        if (rejected) {
            return MediaLine.rejected(kind, mid, protocol, formats);
        }
        if (clientOwned) {
            return new MediaLine(kind, mid, false, protocol, null, clientSlotDirection, codec, null, answerAttributes);
        }
        if (track == null) {
            return new MediaLine(kind, mid, false, protocol, null, "inactive", codec, null);
        }
        return new MediaLine(kind, mid, false, protocol, null, "sendonly", codec, track.source());
    }
}
