package io.icemesh.media.track;

import io.icemesh.media.rtp.RtpHeaderExtensions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * The tracks one endpoint publishes, found by SSRC both ways: by the SSRCs its packets arrive on (a simulcast layer's
 * learnt from its rid once SRTP authenticated it), and by the SSRCs subscribers know them by, where their feedback
 * goes. The forwarding path reads volatile immutable snapshots; the control plane replaces them under the room
 * registry's lock, and layer learning under this object's.
 */
public final class Publications {

    private static final Logger LOG = Logger.getLogger(Publications.class);

    private final String endpointId;
    private volatile List<Track> tracks = List.of();
    private volatile Map<Integer, Track> byIncomingSsrc = Map.of();
    /** The SSRCs subscribers know this endpoint's tracks by (media and RTX), for routing their feedback. */
    private volatile Map<Integer, Track> byOutgoingSsrc = Map.of();
    /** Header extension ids of the client's offer that name a simulcast packet's section and layer; 0 when absent. */
    private volatile int midExtensionId;
    private volatile int ridExtensionId;
    private volatile int repairedRidExtensionId;

    public Publications(String endpointId) {
        this.endpointId = endpointId;
    }

    /** The tracks, in the order of the client's offer. */
    public List<Track> tracks() {
        return tracks;
    }

    /** The track whose media or RTX packets arrive on this SSRC, or null. */
    public Track incoming(int ssrc) {
        return byIncomingSsrc.get(ssrc);
    }

    /** The track subscribers receive on this SSRC (media or RTX), or null: where their PLI, FIR and NACK go. */
    public Track outgoing(int ssrc) {
        return byOutgoingSsrc.get(ssrc);
    }

    /** Replaces the tracks (a new offer from the client). */
    public void set(List<Track> next) {
        Map<Integer, Track> in = new HashMap<>();
        Map<Integer, Track> out = new HashMap<>();
        for (Track t : next) {
            out.put(t.ssrc(), t);
            if (t.source().rtxSsrc() != 0) {
                out.put(t.source().rtxSsrc(), t);
            }
            if (t.isSimulcast()) {
                continue;
            }
            in.put(t.ssrc(), t);
            if (t.source().rtxSsrc() != 0) {
                in.put(t.source().rtxSsrc(), t);
            }
        }
        tracks = List.copyOf(next);
        byIncomingSsrc = Map.copyOf(in);
        byOutgoingSsrc = Map.copyOf(out);
    }

    /** The ids the client's offer gave the mid, rid and repaired-rid header extensions (RFC 8843, RFC 8852). */
    public void setSimulcastExtensionIds(int mid, int rid, int repairedRid) {
        midExtensionId = mid;
        ridExtensionId = rid;
        repairedRidExtensionId = repairedRid;
    }

    /** A simulcast layer an unknown SSRC claims to be, from its header extensions; not yet trusted. */
    public record LayerClaim(Track track, Layer layer, boolean rtx) {
    }

    /**
     * Which simulcast layer a packet on an SSRC not yet known belongs to, read from its rid (or repaired-rid, for RTX)
     * and mid header extensions (browsers send them until the SSRC is acknowledged by a receiver report); null when
     * the packet names none of these layers. The caller learns the SSRC only after SRTP authenticated it.
     */
    public LayerClaim identifyLayer(byte[] buf, int offset, int length) {
        int ridId = ridExtensionId;
        int rridId = repairedRidExtensionId;
        int midId = midExtensionId;
        if (ridId == 0 && rridId == 0) {
            return null;
        }
        String[] found = new String[3];
        int n = RtpHeaderExtensions.forEach(buf, offset, length, (id, at, len) -> {
            if (id == ridId && ridId != 0) {
                found[0] = ascii(buf, at, len);
            } else if (id == rridId && rridId != 0) {
                found[1] = ascii(buf, at, len);
            } else if (id == midId && midId != 0) {
                found[2] = ascii(buf, at, len);
            }
        });
        if (n <= 0) {
            return null;
        }
        boolean rtx = found[0] == null;
        String rid = rtx ? found[1] : found[0];
        if (rid == null) {
            return null;
        }
        for (Track t : tracks) {
            if (!t.isSimulcast() || (found[2] != null && !found[2].equals(t.mid()))) {
                continue;
            }
            Layer l = t.layer(rid);
            if (l != null) {
                return new LayerClaim(t, l, rtx);
            }
        }
        return null;
    }

    /**
     * Records that {@code ssrc} carries the claimed layer (its media, or its RTX), replacing an SSRC the layer had
     * before; {@link #incoming} finds it from then on. At most two SSRCs per layer.
     */
    public synchronized void learnLayerSsrc(LayerClaim claim, int ssrc) {
        Layer l = claim.layer();
        Map<Integer, Track> next = new HashMap<>(byIncomingSsrc);
        int previous = claim.rtx() ? l.rtxSsrc() : l.ssrc();
        if (previous != 0 && previous != ssrc) {
            next.remove(previous);
        }
        if (claim.rtx()) {
            l.rtxSsrc(ssrc);
        } else {
            l.ssrc(ssrc);
        }
        next.put(ssrc, claim.track());
        byIncomingSsrc = Map.copyOf(next);
        LOG.infof("endpoint %s: simulcast layer %s of %s is SSRC %d%s", endpointId, l.rid(), claim.track().mid(),
                ssrc & 0xFFFFFFFFL, claim.rtx() ? " (RTX)" : "");
    }

    private static String ascii(byte[] buf, int at, int len) {
        StringBuilder sb = new StringBuilder(len);
        for (int i = 0; i < len; i++) {
            int c = buf[at + i] & 0xFF;
            if (c == 0) {
                break;
            }
            if (c < 0x21 || c > 0x7E) {
                return null;
            }
            sb.append((char) c);
        }
        return sb.toString();
    }
}
