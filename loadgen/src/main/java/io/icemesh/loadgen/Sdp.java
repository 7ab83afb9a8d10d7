package io.icemesh.loadgen;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The part of SDP (RFC 8866, JSEP RFC 8829) the load tool reads from a server and writes back: ICE credentials and
 * candidates, the DTLS fingerprint and role, and per media section its kind, mid, direction, VP8 payload type and
 * sending SSRCs. Everything else is ignored on read and left out on write.
 */
final class Sdp {

    /** One m= section. */
    static final class Media {
        String kind;
        int port;
        String protocol;
        String mid;
        String direction = "sendrecv";
        int vp8 = -1;
        final List<Long> ssrcs = new ArrayList<>();
        /** apt of each rtx payload type (RFC 4588): rtx PT to the PT it repairs. */
        final Map<Integer, Integer> apt = new HashMap<>();
        /** FID groups: repair (RTX) SSRC to the SSRC it repairs. */
        final Map<Long, Long> repairs = new HashMap<>();

        /** The RTX payload type for VP8, or -1. */
        int rtx() {
            for (Map.Entry<Integer, Integer> e : apt.entrySet()) {
                if (e.getValue() == vp8 && vp8 >= 0) {
                    return e.getKey();
                }
            }
            return -1;
        }

        boolean rejected() {
            return port == 0;
        }

        /** True when the server sends media in this section (from its point of view). */
        boolean serverSends() {
            return !rejected() && ("sendonly".equals(direction) || "sendrecv".equals(direction));
        }
    }

    String iceUfrag;
    String icePwd;
    String fingerprintAlgorithm;
    String fingerprint;
    String setup;
    boolean iceLite;
    final List<InetSocketAddress> candidates = new ArrayList<>();
    final List<Media> media = new ArrayList<>();

    /** Parses a server's SDP; candidates other than UDP on an IP literal are skipped. */
    static Sdp parse(String text) {
        Sdp sdp = new Sdp();
        Media current = null;
        for (String raw : text.split("\r?\n")) {
            String line = raw.trim();
            if (line.startsWith("m=")) {
                current = new Media();
                String[] f = line.substring(2).split(" ");
                current.kind = f[0];
                current.port = Integer.parseInt(f[1]);
                current.protocol = f.length > 2 ? f[2] : "";
                sdp.media.add(current);
            } else if (line.startsWith("a=")) {
                sdp.attribute(current, line.substring(2));
            }
        }
        return sdp;
    }

    private void attribute(Media m, String a) {
        int colon = a.indexOf(':');
        String name = colon < 0 ? a : a.substring(0, colon);
        String value = colon < 0 ? "" : a.substring(colon + 1);
        switch (name) {
            case "ice-ufrag":
                iceUfrag = value;
                break;
            case "ice-pwd":
                icePwd = value;
                break;
            case "ice-lite":
                iceLite = true;
                break;
            case "fingerprint":
                String[] f = value.split(" ");
                fingerprintAlgorithm = f[0].toLowerCase(Locale.ROOT);
                fingerprint = f[1];
                break;
            case "setup":
                setup = value;
                break;
            case "candidate":
                candidate(value);
                break;
            case "mid":
                if (m != null) {
                    m.mid = value;
                }
                break;
            case "sendonly":
            case "recvonly":
            case "sendrecv":
            case "inactive":
                if (m != null) {
                    m.direction = name;
                }
                break;
            case "rtpmap":
                if (m != null && m.vp8 < 0 && value.toUpperCase(Locale.ROOT).contains(" VP8/90000")) {
                    m.vp8 = Integer.parseInt(value.substring(0, value.indexOf(' ')));
                }
                break;
            case "fmtp":
                int apt = value.indexOf("apt=");
                if (m != null && apt > 0) {
                    String pt = value.substring(0, value.indexOf(' '));
                    String of = value.substring(apt + 4).split("[; ]")[0];
                    m.apt.put(Integer.parseInt(pt), Integer.parseInt(of));
                }
                break;
            case "ssrc-group":
                String[] g = value.split(" ");
                if (m != null && g.length == 3 && "FID".equals(g[0])) {
                    m.repairs.put(Long.parseLong(g[2]), Long.parseLong(g[1]));
                }
                break;
            case "ssrc":
                if (m != null) {
                    long ssrc = Long.parseLong(value.substring(0, value.indexOf(' ')));
                    if (!m.ssrcs.contains(ssrc)) {
                        m.ssrcs.add(ssrc);
                    }
                }
                break;
            default:
                break;
        }
    }

    private void candidate(String value) {
        // foundation component transport priority address port typ type ...
        String[] f = value.split(" ");
        if (f.length < 8 || !"udp".equalsIgnoreCase(f[2]) || !"1".equals(f[1])) {
            return;
        }
        String host = f[4];
        if (!host.matches("[0-9.]+") && !host.contains(":")) {
            return; // an mDNS name or a host name: the tool never resolves names
        }
        try {
            InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(host), Integer.parseInt(f[5]));
            if (!candidates.contains(address)) {
                candidates.add(address);
            }
        } catch (UnknownHostException | NumberFormatException e) {
            // not a candidate the tool can use
        }
    }

    /** The parameters of the tool's own side of a description. */
    static final class Local {
        final String ufrag;
        final String pwd;
        final String fingerprint;
        final InetSocketAddress candidate;

        Local(String ufrag, String pwd, String fingerprint, InetSocketAddress candidate) {
            this.ufrag = ufrag;
            this.pwd = pwd;
            this.fingerprint = fingerprint;
            this.candidate = candidate;
        }
    }

    /**
     * The tool's offer: one VP8 video section with RTX (RFC 4588), sendonly with {@code ssrc} and its repair SSRC
     * for a publisher (ssrc != 0), recvonly for a subscriber; DTLS role actpass.
     */
    static String offer(Local local, long sessionId, long ssrc, long rtxSsrc, String cname) {
        StringBuilder sb = session(local, sessionId, "0");
        media(sb, local, "0", ssrc != 0 ? "sendonly" : "recvonly", 96, 97, "actpass");
        if (ssrc != 0) {
            sb.append("a=msid:").append(cname).append(" v0\r\n");
            sb.append("a=ssrc-group:FID ").append(ssrc).append(" ").append(rtxSsrc).append("\r\n");
            for (long s : new long[] {ssrc, rtxSsrc}) {
                sb.append("a=ssrc:").append(s).append(" cname:").append(cname).append("\r\n");
                sb.append("a=ssrc:").append(s).append(" msid:").append(cname).append(" v0\r\n");
            }
        }
        return sb.toString();
    }

    /**
     * The tool's answer to a server's offer: each VP8 video section the server sends in is received (recvonly), every
     * other section is rejected (port 0, left out of BUNDLE). DTLS role active (the tool is the DTLS client), as a
     * browser answers.
     */
    static String answer(Local local, Sdp offer, long sessionId) {
        List<String> accepted = new ArrayList<>();
        for (Media m : offer.media) {
            if (accepts(m)) {
                accepted.add(m.mid);
            }
        }
        StringBuilder sb = session(local, sessionId, String.join(" ", accepted));
        for (Media m : offer.media) {
            if (accepts(m)) {
                media(sb, local, m.mid, m.serverSends() ? "recvonly" : "inactive", m.vp8, m.rtx(), "active");
            } else {
                sb.append("m=").append(m.kind).append(" 0 ").append(m.protocol).append(" ")
                        .append("application".equals(m.kind) ? "webrtc-datachannel" : "0").append("\r\n");
                sb.append("c=IN IP4 0.0.0.0\r\n");
                if (m.mid != null) {
                    sb.append("a=mid:").append(m.mid).append("\r\n");
                }
                sb.append("a=inactive\r\n");
            }
        }
        return sb.toString();
    }

    private static boolean accepts(Media m) {
        return "video".equals(m.kind) && !m.rejected() && m.vp8 >= 0 && m.mid != null;
    }

    private static StringBuilder session(Local local, long sessionId, String bundle) {
        StringBuilder sb = new StringBuilder(1024);
        sb.append("v=0\r\n");
        sb.append("o=- ").append(sessionId).append(" 2 IN IP4 127.0.0.1\r\n");
        sb.append("s=-\r\nt=0 0\r\n");
        if (!bundle.isEmpty()) {
            sb.append("a=group:BUNDLE ").append(bundle).append("\r\n");
        }
        sb.append("a=msid-semantic: WMS\r\n");
        return sb;
    }

    private static void media(StringBuilder sb, Local local, String mid, String direction, int pt, int rtx,
            String setup) {
        InetSocketAddress c = local.candidate;
        sb.append("m=video ").append(c.getPort()).append(" UDP/TLS/RTP/SAVPF ").append(pt);
        if (rtx >= 0) {
            sb.append(" ").append(rtx);
        }
        sb.append("\r\n");
        sb.append("c=IN IP4 ").append(c.getAddress().getHostAddress()).append("\r\n");
        sb.append("a=rtcp:").append(c.getPort()).append(" IN IP4 ").append(c.getAddress().getHostAddress())
                .append("\r\n");
        sb.append("a=ice-ufrag:").append(local.ufrag).append("\r\n");
        sb.append("a=ice-pwd:").append(local.pwd).append("\r\n");
        sb.append("a=fingerprint:sha-256 ").append(local.fingerprint).append("\r\n");
        sb.append("a=setup:").append(setup).append("\r\n");
        sb.append("a=mid:").append(mid).append("\r\n");
        sb.append("a=").append(direction).append("\r\n");
        sb.append("a=rtcp-mux\r\n");
        sb.append("a=rtcp-rsize\r\n");
        sb.append("a=rtpmap:").append(pt).append(" VP8/90000\r\n");
        sb.append("a=rtcp-fb:").append(pt).append(" nack\r\n");
        sb.append("a=rtcp-fb:").append(pt).append(" nack pli\r\n");
        sb.append("a=rtcp-fb:").append(pt).append(" ccm fir\r\n");
        if (rtx >= 0) {
            sb.append("a=rtpmap:").append(rtx).append(" rtx/90000\r\n");
            sb.append("a=fmtp:").append(rtx).append(" apt=").append(pt).append("\r\n");
        }
        sb.append("a=candidate:1 1 udp 2130706431 ").append(c.getAddress().getHostAddress()).append(" ")
                .append(c.getPort()).append(" typ host\r\n");
        sb.append("a=end-of-candidates\r\n");
    }
}
