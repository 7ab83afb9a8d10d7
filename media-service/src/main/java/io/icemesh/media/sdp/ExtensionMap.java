package io.icemesh.media.sdp;

import io.icemesh.media.rtp.AbsSendTime;
import java.util.List;

/**
 * RTP header extension mappings, a=extmap (RFC 8285 section 5): {@code <id>[/<direction>] <uri> [<attributes>]}. The
 * SFU offers only abs-send-time, in the sections it sends video in, and reads back the id the answer kept.
 */
public final class ExtensionMap {

    /** The id the SFU offers abs-send-time with: Chrome's own number for it, so it never clashes within a BUNDLE. */
    public static final int ABS_SEND_TIME_ID = 2;

    private ExtensionMap() {
    }

    /** The one-byte id (1 to 14) mapped to {@code uri} in the section, or 0. */
    public static int find(MediaDescription m, String uri) {
        for (String v : m.attributes("extmap")) {
            String[] f = v.trim().split("\\s+");
            if (f.length < 2 || !f[1].equals(uri)) {
                continue;
            }
            String id = f[0];
            int slash = id.indexOf('/');
            if (slash >= 0) {
                id = id.substring(0, slash);
            }
            try {
                int n = Integer.parseInt(id);
                return n >= 1 && n <= 14 ? n : 0;
            } catch (NumberFormatException e) {
                return 0;
            }
        }
        return 0;
    }

    /** The abs-send-time id of the first accepted video section that maps it, or 0. */
    public static int absSendTimeId(List<MediaDescription> media) {
        for (MediaDescription m : media) {
            if (m.port() != 0 && "video".equals(m.kind())) {
                int id = find(m, AbsSendTime.URI);
                if (id != 0) {
                    return id;
                }
            }
        }
        return 0;
    }
}
