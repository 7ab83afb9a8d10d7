package io.icemesh.media.sdp;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One m-section (RFC 8866 section 5.14) with its attributes in order. Accessors answer the questions the SFU asks;
 * nothing is interpreted beyond that.
 */
public final class MediaDescription {

    /** Directions of RFC 8866 section 6.7. */
    public static final List<String> DIRECTIONS = List.of("sendrecv", "sendonly", "recvonly", "inactive");

    private final String kind;
    private final int port;
    private final String protocol;
    private final List<String> formats;
    private final List<Attribute> attributes = new ArrayList<>();

    MediaDescription(String kind, int port, String protocol, List<String> formats) {
        this.kind = kind;
        this.port = port;
        this.protocol = protocol;
        this.formats = List.copyOf(formats);
    }

    void add(Attribute attribute) {
        attributes.add(attribute);
    }

    /** audio, video, application. */
    public String kind() {
        return kind;
    }

    /** 0 means rejected or stopped. */
    public int port() {
        return port;
    }

    public String protocol() {
        return protocol;
    }

    /** Payload types (or the SCTP format). */
    public List<String> formats() {
        return formats;
    }

    public List<Attribute> attributes() {
        return Collections.unmodifiableList(attributes);
    }

    /** The first value of an attribute, or null. */
    public String attribute(String name) {
        for (Attribute a : attributes) {
            if (a.name().equals(name)) {
                return a.value();
            }
        }
        return null;
    }

    /** All values of an attribute. */
    public List<String> attributes(String name) {
        List<String> out = new ArrayList<>();
        for (Attribute a : attributes) {
            if (a.name().equals(name)) {
                out.add(a.value());
            }
        }
        return out;
    }

    public boolean has(String name) {
        return attribute(name) != null;
    }

    /** The a=mid value, or null. */
    public String mid() {
        return attribute("mid");
    }

    /** The direction attribute; sendrecv when absent (RFC 8866 section 6.7). */
    public String direction() {
        for (Attribute a : attributes) {
            if (DIRECTIONS.contains(a.name())) {
                return a.name();
            }
        }
        return "sendrecv";
    }

    /** Whether the remote side sends media in this section. */
    public boolean remoteSends() {
        String d = direction();
        return port != 0 && (d.equals("sendrecv") || d.equals("sendonly"));
    }

    /** Whether the remote side receives media in this section. */
    public boolean remoteReceives() {
        String d = direction();
        return port != 0 && (d.equals("sendrecv") || d.equals("recvonly"));
    }

    /** Parsed a=candidate lines (malformed ones skipped). */
    public List<Candidate> candidates() {
        List<Candidate> out = new ArrayList<>();
        for (String v : attributes("candidate")) {
            Candidate c = Candidate.parse(v);
            if (c != null) {
                out.add(c);
            }
        }
        return out;
    }

    /** An attribute line {@code a=name[:value]}; value is "" for flags. */
    public record Attribute(String name, String value) {
    }
}
