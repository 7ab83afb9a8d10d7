package io.icemesh.media.sdp;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A publisher's rid simulcast in an offered m-section (RFC 8853 a=simulcast, RFC 8851 a=rid), and the header
 * extensions that name a packet's section and layer (RFC 8843 mid, RFC 8852 rtp-stream-id and
 * repaired-rtp-stream-id), as the SFU answers it.
 *
 * @param rids the send rids in a=simulcast order (the first alternative of each, pause markers dropped), each also
 *     declared by an {@code a=rid:<id> send} line
 * @param midId the mid extension's id, 0 when not offered
 * @param ridId the rtp-stream-id extension's id (never 0: without it layers cannot be told apart)
 * @param repairedRidId the repaired-rtp-stream-id extension's id, 0 when not offered (then layer RTX is unknown)
 */
public record SimulcastOffer(List<String> rids, int midId, int ridId, int repairedRidId) {

    public static final String MID_URI = "urn:ietf:params:rtp-hdrext:sdes:mid";
    public static final String RID_URI = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id";
    public static final String REPAIRED_RID_URI = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id";
    /** More layers than browsers send are refused (bounded state per track). */
    public static final int MAX_LAYERS = 4;

    /**
     * The section's send simulcast, or null when it has none. Throws when it has one the SFU cannot take: no
     * rtp-stream-id extension, a rid in a=simulcast without a matching a=rid send line, or too many layers.
     */
    public static SimulcastOffer of(MediaDescription m) throws SdpException {
        String sim = m.attribute("simulcast");
        if (sim == null) {
            return null;
        }
        String[] f = sim.trim().split("\\s+");
        String send = null;
        for (int i = 0; i + 1 < f.length; i += 2) {
            if (f[i].equals("send")) {
                send = f[i + 1];
            }
        }
        if (send == null) {
            return null;
        }
        Set<String> declared = new LinkedHashSet<>(SourceDescription.of(m).rids());
        List<String> rids = new ArrayList<>();
        for (String alternatives : send.split(";")) {
            String rid = alternatives.split(",")[0].trim();
            if (rid.startsWith("~")) {
                rid = rid.substring(1);
            }
            if (rid.isEmpty()) {
                continue;
            }
            if (!declared.contains(rid)) {
                throw new SdpException("a=simulcast names rid " + rid + " without an a=rid:" + rid + " send line");
            }
            if (!rids.contains(rid)) {
                rids.add(rid);
            }
        }
        if (rids.isEmpty()) {
            return null;
        }
        if (rids.size() > MAX_LAYERS) {
            throw new SdpException("simulcast with " + rids.size() + " layers; at most " + MAX_LAYERS);
        }
        int rid = ExtensionMap.find(m, RID_URI);
        if (rid == 0) {
            throw new SdpException("simulcast section " + m.mid() + " lacks the rtp-stream-id header extension");
        }
        return new SimulcastOffer(List.copyOf(rids), ExtensionMap.find(m, MID_URI), rid,
                ExtensionMap.find(m, REPAIRED_RID_URI));
    }

    /** The attribute lines of the SFU's answer for this section (extensions kept with the offer's ids, rids recv). */
    public List<String> answerAttributes() {
        List<String> out = new ArrayList<>();
        if (midId != 0) {
            out.add("extmap:" + midId + " " + MID_URI);
        }
        out.add("extmap:" + ridId + " " + RID_URI);
        if (repairedRidId != 0) {
            out.add("extmap:" + repairedRidId + " " + REPAIRED_RID_URI);
        }
        for (String r : rids) {
            out.add("rid:" + r + " recv");
        }
        out.add("simulcast:recv " + String.join(";", rids));
        return out;
    }
}
