package io.icemesh.media.endpoint;

import io.icemesh.media.dtls.Fingerprint;
import io.icemesh.media.sdp.Candidate;
import io.icemesh.media.sdp.Codec;
import io.icemesh.media.sdp.ExtensionMap;
import io.icemesh.media.sdp.MediaDescription;
import io.icemesh.media.sdp.MediaLine;
import io.icemesh.media.sdp.SdpException;
import io.icemesh.media.sdp.SdpWriter;
import io.icemesh.media.sdp.SessionDescription;
import io.icemesh.media.sdp.SimulcastOffer;
import io.icemesh.media.sdp.SourceDescription;
import io.icemesh.media.track.Track;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * An endpoint's offer/answer state. The client offers once (what it publishes) and the SFU answers; after that the
 * SFU is the only offerer (RFC 8829 section 4.1.8 glare cannot happen): it offers whenever the set of tracks to
 * forward changes, one at a time, and re-offers after the answer if something changed meanwhile.
 */
public final class Negotiation {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final List<Slot> slots = new ArrayList<>();
    private final SdpWriter writer = new SdpWriter(RANDOM.nextLong());
    private long version;
    private boolean answered;
    private boolean offerOutstanding;
    private boolean pending;
    private boolean restartWanted;
    private boolean restartOffered;
    private int nextMid;
    /** abs-send-time's id in this session: the client's own when its offer mapped it, else the SFU's. */
    private int absSendTimeId = ExtensionMap.ABS_SEND_TIME_ID;
    /** Most receive sections of a first offer the SFU fills (bounds the answer; the rest come by SFU offers). */
    static final int MAX_PREFILLED = 32;

    /** Whether the first exchange (client offer, SFU answer) happened. */
    public boolean answered() {
        return answered;
    }

    public boolean offerOutstanding() {
        return offerOutstanding;
    }

    /**
     * Takes the client's first offer: records what it publishes, starts ICE and DTLS, and returns the SFU's answer.
     * Sections the client offers to receive in (recvonly, with the SFU's payload types) become the SFU's: the
     * answer already sends {@code available} tracks (the room's, in order) in them, so a joining client receives
     * what the room publishes without waiting for an SFU offer; sections left over answer inactive and are reused.
     */
    public String answerFirstOffer(Endpoint ep, String sdp) throws SdpException {
        return answerFirstOffer(ep, sdp, List.of());
    }

    public String answerFirstOffer(Endpoint ep, String sdp, List<Track> available) throws SdpException {
        if (answered) {
            throw new SdpException("the client offers only once; later changes come as media-service offers");
        }
        SessionDescription offer = SessionDescription.parse(sdp);
        String ufrag = offer.transportAttribute("ice-ufrag");
        String pwd = offer.transportAttribute("ice-pwd");
        if (ufrag == null || pwd == null) {
            throw new SdpException("offer has no ice-ufrag/ice-pwd");
        }
        Fingerprint fingerprint = Fingerprint.parse(offer.transportAttribute("fingerprint"));
        if (fingerprint == null) {
            throw new SdpException("offer has no usable a=fingerprint");
        }
        String setup = offer.transportAttribute("setup");
        if (setup != null && !setup.equals("actpass") && !setup.equals("active")) {
            throw new SdpException("offer has a=setup:" + setup + "; the SFU is the DTLS server (actpass or active needed)");
        }
        if (offer.media().isEmpty()) {
            throw new SdpException("offer has no m-sections");
        }
        List<Track> tracks = new ArrayList<>();
        List<Integer> simulcastIds = null;
        Set<Integer> receiveAbsSendTime = new HashSet<>();
        List<Candidate> candidates = new ArrayList<>();
        Set<String> mids = new HashSet<>();
        for (MediaDescription m : offer.media()) {
            String mid = m.mid();
            if (mid == null || !mids.add(mid)) {
                throw new SdpException("every m-section needs a unique a=mid");
            }
            nextMid = Math.max(nextMid, numeric(mid) + 1);
            candidates.addAll(m.candidates());
            Codec codec = Codec.choose(m);
            if (m.port() == 0 || codec == null || !m.protocol().contains("SAVPF")) {
                slots.add(Slot.rejected(m.kind(), mid, m.protocol(), String.join(" ", m.formats())));
                continue;
            }
            if (!m.has("rtcp-mux")) {
                throw new SdpException("m-section " + mid + " lacks a=rtcp-mux");
            }
            SourceDescription src = SourceDescription.of(m);
            SimulcastOffer simulcast = m.remoteSends() && "video".equals(m.kind()) ? SimulcastOffer.of(m) : null;
            if (simulcast != null && simulcastIds != null && !simulcastIds.equals(extensionIds(simulcast))) {
                throw new SdpException("simulcast sections use different header extension ids (one BUNDLE needs one)");
            }
            if (simulcast != null && simulcastIds != null && simulcast.midId() == 0) {
                throw new SdpException("several simulcast sections need the mid header extension to tell them apart");
            }
            if (m.remoteSends() && simulcast == null && src.primarySsrc() == 0) {
                // Neither a=ssrc nor rid simulcast: nothing tells the SFU which packets belong to this section.
                slots.add(Slot.rejected(m.kind(), mid, m.protocol(), String.join(" ", m.formats())));
                continue;
            }
            if (!m.remoteSends() && m.remoteReceives() && codec.equals(Codec.canonical(m.kind()))) {
                // The client offers to receive here with the payload types the SFU forwards: a section of the SFU's.
                slots.add(Slot.forwarding(m.kind(), mid));
                if ("video".equals(m.kind())) {
                    receiveAbsSendTime.add(ExtensionMap.find(m, io.icemesh.media.rtp.AbsSendTime.URI));
                }
                continue;
            }
            Slot slot = Slot.client(m.kind(), mid, codec, m.remoteSends() ? "recvonly" : "inactive");
            slots.add(slot);
            if (m.remoteSends()) {
                String trackId = src.trackId() != null ? src.trackId() : ep.id() + "-" + mid;
                String cname = src.cname() != null ? src.cname() : ep.id();
                String streamId = "-".equals(src.streamId()) ? ep.id() : src.streamId();
                if (simulcast != null) {
                    // Subscribers get one stream whatever the layer: on SSRCs of the SFU's own, with RTX.
                    int ssrc = randomSsrc();
                    int rtx = randomSsrc();
                    while (rtx == ssrc) {
                        rtx = randomSsrc();
                    }
                    tracks.add(new Track(ep, m.kind(), new MediaLine.Source(ssrc, rtx, cname, streamId, trackId),
                            codec, mid, simulcast.rids()));
                    slot.answerAttributes = simulcast.answerAttributes();
                    simulcastIds = extensionIds(simulcast);
                } else {
                    tracks.add(new Track(ep, m.kind(), new MediaLine.Source(src.primarySsrc(), src.rtxSsrc(), cname,
                            streamId, trackId), codec));
                }
            }
        }
        if (simulcastIds != null) {
            ep.publications().setSimulcastExtensionIds(simulcastIds.get(0), simulcastIds.get(1), simulcastIds.get(2));
        }
        ep.publications().set(tracks);
        // abs-send-time in the answer only as the offer mapped it (one id in all receive sections, else none).
        int answerAbsSendTime = receiveAbsSendTime.size() == 1 ? receiveAbsSendTime.iterator().next() : 0;
        int offered = ExtensionMap.absSendTimeId(offer.media());
        if (offered != 0) {
            absSendTimeId = offered;
        }
        Set<Track> prefilled = new LinkedHashSet<>();
        for (Track t : available) {
            if (prefilled.size() == MAX_PREFILLED) {
                break;
            }
            for (Slot s : slots) {
                if (!s.clientOwned && s.track == null && s.kind.equals(t.kind())) {
                    s.track = t;
                    prefilled.add(t);
                    break;
                }
            }
        }
        ep.setForwarded(prefilled);
        ep.streams().absSendTimeId(answerAbsSendTime);
        ep.transport().start(ufrag, pwd, fingerprint, candidates);
        answered = true;
        return write(ep, "passive", answerAbsSendTime);
    }

    /**
     * The client asked for an ICE restart: the next offer carries a new ufrag and password (at once if no offer is
     * outstanding, else right after its answer). Changes nothing else.
     */
    public void requestIceRestart() throws SdpException {
        if (!answered) {
            throw new SdpException("no ICE session to restart yet: send the first offer");
        }
        restartWanted = true;
        if (offerOutstanding) {
            pending = true;
        }
    }

    /** Whether the offer outstanding is an ICE restart offer. */
    public boolean restartOffered() {
        return restartOffered;
    }

    /**
     * Brings the SFU's sections in line with {@code desired} (the tracks of the room's other endpoints): a track that
     * left makes its section inactive, a new one takes an inactive section of its kind or a new section. Returns the
     * offer to send, or null when nothing changed or an offer is outstanding (then it re-runs after the answer).
     */
    public String renegotiate(Endpoint ep, List<Track> desired) {
        if (!answered) {
            return null;
        }
        if (offerOutstanding) {
            pending = true;
            return null;
        }
        Set<Track> want = new LinkedHashSet<>(desired);
        boolean changed = false;
        Set<Track> present = new HashSet<>();
        for (Slot s : slots) {
            if (!s.clientOwned && s.track != null) {
                if (want.contains(s.track)) {
                    present.add(s.track);
                } else {
                    s.track = null;
                    changed = true;
                }
            }
        }
        for (Track t : want) {
            if (present.contains(t)) {
                continue;
            }
            Slot free = null;
            for (Slot s : slots) {
                if (!s.clientOwned && s.track == null && s.kind.equals(t.kind())) {
                    free = s;
                    break;
                }
            }
            if (free == null) {
                free = Slot.forwarding(t.kind(), Integer.toString(nextMid++));
                slots.add(free);
            }
            free.track = t;
            changed = true;
        }
        // Stop forwarding what left at once; new tracks start when the answer accepts them.
        Set<Track> still = new HashSet<>(ep.forwardedTracks());
        still.retainAll(want);
        ep.setForwarded(still);
        if (!changed && !restartWanted) {
            return null;
        }
        if (restartWanted) {
            try {
                ep.transport().beginIceRestart();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("cannot create the ICE agent for a restart", e);
            }
            restartWanted = false;
            restartOffered = true;
        }
        offerOutstanding = true;
        pending = false;
        return write(ep, "actpass", absSendTimeId);
    }

    /**
     * Takes the client's answer to the SFU's offer; returns the tracks newly forwarded (they need a key frame).
     * Afterwards {@link #takePending()} says whether another offer is due.
     */
    public Set<Track> applyAnswer(Endpoint ep, String sdp) throws SdpException {
        if (!offerOutstanding) {
            throw new SdpException("no media-service offer is waiting for an answer");
        }
        SessionDescription answer = SessionDescription.parse(sdp);
        if (answer.media().size() != slots.size()) {
            throw new SdpException("answer has " + answer.media().size() + " m-sections, the offer had " + slots.size());
        }
        Set<Track> accepted = new HashSet<>();
        for (int i = 0; i < slots.size(); i++) {
            Slot s = slots.get(i);
            MediaDescription m = answer.media().get(i);
            if (!s.clientOwned && s.track != null && m.remoteReceives()) {
                accepted.add(s.track);
            }
        }
        if (restartOffered) {
            String ufrag = answer.transportAttribute("ice-ufrag");
            String pwd = answer.transportAttribute("ice-pwd");
            if (ufrag == null || pwd == null) {
                throw new SdpException("answer to an ICE restart offer has no ice-ufrag/ice-pwd");
            }
            List<Candidate> candidates = new ArrayList<>();
            answer.media().forEach(m -> candidates.addAll(m.candidates()));
            ep.transport().completeIceRestart(ufrag, pwd, candidates);
            restartOffered = false;
        }
        ep.streams().absSendTimeId(ExtensionMap.absSendTimeId(answer.media()));
        Set<Track> added = new HashSet<>(accepted);
        added.removeAll(ep.forwardedTracks());
        ep.setForwarded(accepted);
        offerOutstanding = false;
        return added;
    }

    /** Whether a change arrived while an offer was outstanding (clears the flag). */
    public boolean takePending() {
        boolean p = pending;
        pending = false;
        return p;
    }

    private String write(Endpoint ep, String setup, int absSendTime) {
        List<MediaLine> lines = new ArrayList<>(slots.size());
        for (Slot s : slots) {
            lines.add(s.toMediaLine());
        }
        version++;
        NodeContext node = ep.node();
        io.icemesh.media.ice.IceSession ice = ep.transport().offeredIce();
        return writer.write(version, ice.localUfrag(), ice.localPassword(), node.certificate().fingerprint(),
                setup, node.candidateLines(), lines, absSendTime);
    }

    private static List<Integer> extensionIds(SimulcastOffer s) {
        return List.of(s.midId(), s.ridId(), s.repairedRidId());
    }

    private static int randomSsrc() {
        int v;
        do {
            v = RANDOM.nextInt();
        } while (v == 0);
        return v;
    }

    private static int numeric(String mid) {
        try {
            return Integer.parseInt(mid);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
