package io.icemesh.media.sdp;

import java.util.ArrayList;
import java.util.List;

/**
 * A parsed SDP (RFC 8866): session-level attributes and the m-sections. {@link #parse} is total: any input either
 * parses or raises {@link SdpException}, and only the lines WebRTC needs are interpreted.
 */
public final class SessionDescription {

    /** Longest SDP accepted; browsers' SDPs with dozens of m-lines stay far below it. */
    public static final int MAX_LENGTH = 256 * 1024;
    /** Most m-sections accepted. */
    public static final int MAX_MEDIA = 256;

    private final List<MediaDescription.Attribute> sessionAttributes;
    private final List<MediaDescription> media;

    private SessionDescription(List<MediaDescription.Attribute> sessionAttributes, List<MediaDescription> media) {
        this.sessionAttributes = List.copyOf(sessionAttributes);
        this.media = List.copyOf(media);
    }

    public static SessionDescription parse(String sdp) throws SdpException {
        if (sdp == null || sdp.isEmpty()) {
            throw new SdpException("empty SDP");
        }
        if (sdp.length() > MAX_LENGTH) {
            throw new SdpException("SDP longer than " + MAX_LENGTH + " characters");
        }
        List<MediaDescription.Attribute> session = new ArrayList<>();
        List<MediaDescription> media = new ArrayList<>();
        MediaDescription current = null;
        boolean sawVersion = false;
        for (String raw : sdp.split("\r?\n")) {
            String line = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
            if (line.isEmpty()) {
                continue;
            }
            if (line.length() < 2 || line.charAt(1) != '=') {
                throw new SdpException("malformed SDP line: " + abbreviate(line));
            }
            char type = line.charAt(0);
            String value = line.substring(2);
            switch (type) {
                case 'v' -> {
                    if (!value.equals("0")) {
                        throw new SdpException("unsupported SDP version " + abbreviate(value));
                    }
                    sawVersion = true;
                }
                case 'm' -> {
                    if (media.size() >= MAX_MEDIA) {
                        throw new SdpException("more than " + MAX_MEDIA + " m-sections");
                    }
                    current = mediaLine(value);
                    media.add(current);
                }
                case 'a' -> {
                    MediaDescription.Attribute a = attribute(value);
                    if (current == null) {
                        session.add(a);
                    } else {
                        current.add(a);
                    }
                }
                default -> {
                    // o=, s=, t=, c=, b= and others carry nothing the SFU uses.
                }
            }
        }
        if (!sawVersion) {
            throw new SdpException("no v=0 line");
        }
        return new SessionDescription(session, media);
    }

    private static MediaDescription mediaLine(String value) throws SdpException {
        String[] f = value.trim().split("\\s+");
        if (f.length < 3) {
            throw new SdpException("malformed m-line: " + abbreviate(value));
        }
        int port;
        try {
            String p = f[1].contains("/") ? f[1].substring(0, f[1].indexOf('/')) : f[1];
            port = Integer.parseInt(p);
        } catch (NumberFormatException e) {
            throw new SdpException("malformed m-line port: " + abbreviate(f[1]));
        }
        if (port < 0 || port > 65535) {
            throw new SdpException("m-line port out of range");
        }
        List<String> formats = new ArrayList<>();
        for (int i = 3; i < f.length; i++) {
            formats.add(f[i]);
        }
        return new MediaDescription(f[0], port, f[2], formats);
    }

    private static MediaDescription.Attribute attribute(String value) {
        int colon = value.indexOf(':');
        if (colon < 0) {
            return new MediaDescription.Attribute(value.trim(), "");
        }
        return new MediaDescription.Attribute(value.substring(0, colon).trim(), value.substring(colon + 1).trim());
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }

    public List<MediaDescription> media() {
        return media;
    }

    /** The first session-level value of an attribute, or null. */
    public String sessionAttribute(String name) {
        for (MediaDescription.Attribute a : sessionAttributes) {
            if (a.name().equals(name)) {
                return a.value();
            }
        }
        return null;
    }

    /** An attribute from the first m-section that has it, falling back to the session level (ICE, DTLS lines). */
    public String transportAttribute(String name) {
        for (MediaDescription m : media) {
            if (m.port() != 0 && m.has(name)) {
                return m.attribute(name);
            }
        }
        return sessionAttribute(name);
    }

    /** The mids of the first {@code a=group:BUNDLE}, empty when there is none. */
    public List<String> bundleMids() {
        for (MediaDescription.Attribute a : sessionAttributes) {
            if (a.name().equals("group") && a.value().startsWith("BUNDLE")) {
                String rest = a.value().substring("BUNDLE".length()).trim();
                return rest.isEmpty() ? List.of() : List.of(rest.split("\\s+"));
            }
        }
        return List.of();
    }
}
