package io.icemesh.doctor;

import java.util.ArrayList;
import java.util.List;

/**
 * What each client does with this exact list, from what the doctor measured.
 *
 * <p>aiortc 1.4 (aioice 0.8): {@code connection_kwargs} keeps only the first {@code stun:} URL and the first
 * {@code turn:} (UDP or TCP) or {@code turns:} (TCP) URL that has a username and credential; every later URL is
 * ignored. Gathering (inside {@code setLocalDescription}) first asks that STUN server for a server-reflexive
 * candidate, waiting up to 5 s ({@code asyncio.wait(tasks, timeout=5)}; the request goes out at 0, 0.5, 1.5 and 3.5 s),
 * then allocates on that TURN server; a TURN server that fails makes gathering raise (over UDP only after aioice's 7
 * tries, 63.5 s). An offerer gathers before it sends its offer and an answerer before it answers, so a two-peer call
 * pays the gathering time twice, one after the other.
 *
 * <p>Chromium trickles candidates: it waits for no server, but gets no server-reflexive candidate from a STUN server
 * that does not answer and no relay candidate from a TURN URL that fails.
 */
final class Prediction {

    /** aioice's wait for server-reflexive candidates, ms. */
    static final double AIORTC_STUN_WAIT_MS = 5000;
    /** aioice's TURN transaction over UDP gives up after 0.5 + 1 + 2 + 4 + 8 + 16 + 32 s. */
    static final double AIORTC_TURN_UDP_GIVE_UP_MS = 63_500;

    /**
     * @param gatheringMillis aiortc's predicted time for one gathering
     * @param fails           gathering raises (the call cannot start)
     * @param stun            the STUN URL aiortc uses, or null
     * @param turn            the TURN URL aiortc uses, or null
     * @param text            the prediction in plain words
     */
    record Aiortc(double gatheringMillis, boolean fails, ServerResult stun, ServerResult turn, String text) {
    }

    private Prediction() {
    }

    static Aiortc aiortc(List<ServerResult> results) {
        ServerResult stun = null;
        ServerResult turn = null;
        for (ServerResult r : results) {
            String s = r.url.scheme();
            if (stun == null && s.equals("stun")) {
                stun = r;
            }
            if (turn == null && r.url.isTurn() && r.username != null && r.credential != null) {
                turn = r;
            }
        }
        double stunMs = 0;
        String stunText = "no stun: URL, so no server-reflexive candidate";
        if (stun != null) {
            if (stun.ok()) {
                stunMs = Math.min(AIORTC_STUN_WAIT_MS, stun.answerMillis());
                stunText = stun.url + " answers in " + Report.millis(stunMs);
            } else if (stun.dns != null && !stun.dns.ok()) {
                stunMs = Math.min(AIORTC_STUN_WAIT_MS, stun.dns.millis());
                stunText = stun.url + " does not resolve, which aiortc notices after " + Report.millis(stunMs);
            } else {
                stunMs = AIORTC_STUN_WAIT_MS + (stun.dns == null ? 0 : stun.dns.millis());
                stunText = stun.url + " never answers, so aiortc waits its full " + Report.seconds((long) AIORTC_STUN_WAIT_MS);
            }
        }
        double turnMs = 0;
        boolean fails = false;
        String turnText = "no TURN URL with credentials, so no relay candidate";
        if (turn != null) {
            boolean allocates = turn.relay != null && (turn.tls == null || turn.tls.problems().isEmpty());
            if (allocates) {
                turnMs = turn.answerMillis();
                turnText = turn.url + " allocates in " + Report.millis(turnMs);
            } else {
                fails = true;
                boolean silentUdp = turn.url.transport() == IceServerUrl.Transport.UDP && turn.dns != null
                        && turn.dns.ok() && (turn.challenge == null || !turn.challenge.answered()
                        || turn.allocate != null && !turn.allocate.answered());
                turnMs = silentUdp ? AIORTC_TURN_UDP_GIVE_UP_MS : turn.answerMillis();
                turnText = turn.url + " fails (" + turn.failure + "), so gathering raises after "
                        + Report.seconds((long) turnMs);
            }
        }
        double total = stunMs + turnMs;
        String text;
        if (fails) {
            text = "aiortc 1.4 cannot gather with this list: " + stunText + ", then " + turnText
                    + ". setLocalDescription raises and the call never starts";
        } else {
            text = "aiortc 1.4 takes about " + Report.millis(total) + " to gather (" + stunText + "; " + turnText
                    + "); a two-peer call waits about " + Report.millis(2 * total) + " in gathering before it can "
                    + "connect";
        }
        List<String> ignored = new ArrayList<>();
        for (ServerResult r : results) {
            if (r != stun && r != turn) {
                ignored.add(r.url.text());
            }
        }
        if (!ignored.isEmpty()) {
            text += ". It ignores " + String.join(", ", ignored) + " (it uses one STUN and one TURN URL)";
        }
        return new Aiortc(total, fails, stun, turn, text);
    }

    static String chromium(List<ServerResult> results) {
        List<String> lost = new ArrayList<>();
        for (ServerResult r : results) {
            if (!r.ok()) {
                lost.add((r.url.isStun() ? "no server-reflexive candidate from " : "no relay candidate from ")
                        + r.url);
            }
        }
        if (lost.isEmpty()) {
            return "Chromium trickles candidates and waits for no server; every listed server gives it candidates";
        }
        return "Chromium trickles candidates and waits for no server, but gets " + String.join("; ", lost);
    }
}
