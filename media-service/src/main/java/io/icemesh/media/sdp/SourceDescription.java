package io.icemesh.media.sdp;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an m-section says about the streams its sender sends: a=ssrc (RFC 5576), a=ssrc-group:FID (RTX, RFC 4588),
 * a=msid (RFC 8830), and the simulcast attributes a=rid / a=simulcast (RFC 8851, RFC 8853), which are recognised so
 * the SFU can decline them.
 *
 * @param primarySsrc the media SSRC, 0 when none is signalled
 * @param rtxSsrc the RTX SSRC paired by FID, 0 when none
 * @param cname the CNAME of the primary SSRC, or null
 * @param streamId the MediaStream id, or "-"
 * @param trackId the track id, or null
 * @param rids the rid ids offered for sending
 * @param simulcast whether a=simulcast is present
 */
public record SourceDescription(int primarySsrc, int rtxSsrc, String cname, String streamId, String trackId,
        List<String> rids, boolean simulcast) {

    /** Reads the sender's streams of an m-section. */
    public static SourceDescription of(MediaDescription m) {
        Map<Long, Map<String, String>> ssrcs = new LinkedHashMap<>();
        for (String v : m.attributes("ssrc")) {
            String[] f = v.split("\\s+", 2);
            Long ssrc = parseSsrc(f[0]);
            if (ssrc == null) {
                continue;
            }
            Map<String, String> attrs = ssrcs.computeIfAbsent(ssrc, k -> new LinkedHashMap<>());
            if (f.length == 2) {
                int colon = f[1].indexOf(':');
                if (colon > 0) {
                    attrs.put(f[1].substring(0, colon), f[1].substring(colon + 1));
                } else {
                    attrs.put(f[1], "");
                }
            }
        }
        long primary = 0;
        long rtx = 0;
        for (String v : m.attributes("ssrc-group")) {
            String[] f = v.trim().split("\\s+");
            if (f.length == 3 && f[0].equals("FID")) {
                Long a = parseSsrc(f[1]);
                Long b = parseSsrc(f[2]);
                if (a != null && b != null) {
                    primary = a;
                    rtx = b;
                    break;
                }
            }
        }
        if (primary == 0 && !ssrcs.isEmpty()) {
            primary = ssrcs.keySet().iterator().next();
        }
        Map<String, String> attrs = ssrcs.getOrDefault(primary, Map.of());
        String msid = m.attribute("msid");
        if (msid == null) {
            msid = attrs.get("msid");
        }
        String streamId = "-";
        String trackId = null;
        if (msid != null && !msid.isBlank()) {
            String[] f = msid.trim().split("\\s+");
            streamId = f[0];
            trackId = f.length > 1 ? f[1] : null;
        }
        List<String> rids = new ArrayList<>();
        for (String v : m.attributes("rid")) {
            String[] f = v.trim().split("\\s+");
            if (f.length >= 2 && f[1].equals("send")) {
                rids.add(f[0]);
            }
        }
        return new SourceDescription((int) primary, (int) rtx, attrs.get("cname"), streamId, trackId, List.copyOf(rids),
                m.has("simulcast"));
    }

    private static Long parseSsrc(String s) {
        try {
            long v = Long.parseLong(s.trim());
            return v > 0 && v <= 0xFFFFFFFFL ? v : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
