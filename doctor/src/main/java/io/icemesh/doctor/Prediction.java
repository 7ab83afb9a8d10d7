package io.icemesh.doctor;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;

/**
 * What each client does with this exact list, from what the doctor measured.
 *
 * <p>aiortc 1.4 (aioice 0.8): {@code connection_kwargs} keeps only the first {@code stun:} URL and the first
 * {@code turn:} (UDP or TCP) or {@code turns:} (TCP) URL, with or without credentials (without, its 401 makes
 * gathering raise); every later URL is ignored. Gathering (inside {@code setLocalDescription}) first asks that STUN server for a server-reflexive
 * candidate, waiting up to 5 s ({@code asyncio.wait(tasks, timeout=5)}; the request goes out at 0, 0.5, 1.5 and 3.5 s),
 * then allocates on that TURN server; a TURN server that fails makes gathering raise (a silent one only after aioice's
 * 7 tries, 63.5 s, over UDP and TCP alike). An aiortc offerer gathers before it sends its offer and an aiortc answerer
 * before it answers, so a call between two aiortc peers pays the gathering time twice, one after the other.
 *
 * <p>Chromium trickles candidates: it waits for no server, but gets no server-reflexive candidate from a STUN server
 * that does not answer and no relay candidate from a TURN URL that fails.
 */
final class Prediction {

    /** aioice's wait for server-reflexive candidates, ms. */
    static final double AIORTC_STUN_WAIT_MS = 5000;
    /** aioice's TURN transaction gives up after 0.5 + 1 + 2 + 4 + 8 + 16 + 32 s (over UDP and TCP alike). */
    static final double AIORTC_TURN_GIVE_UP_MS = 63_500;

    /**
     * @param gatheringMillis aiortc's predicted time for one gathering
     * @param fails           gathering raises (the call cannot start)
     * @param stun            the STUN URL aiortc uses, or null
     * @param turn            the TURN URL aiortc uses, or null
     * @param stunWaitsFull   aiortc waits its whole 5 s for that STUN server in every gathering
     * @param text            the prediction in plain words
     */
    record Aiortc(double gatheringMillis, boolean fails, ServerResult stun, ServerResult turn, boolean stunWaitsFull,
            String text) {
    }

    private Prediction() {
    }

    /** aiortc's TCP connect to a host that never answers waits for Linux's default connect timeout (SYN retries). */
    static final double LINUX_CONNECT_TIMEOUT_MS = 127_000;

    static Aiortc aiortc(List<ServerResult> results) {
        return aiortc(results, hasIpv4HostAddress());
    }

    /**
     * @param ipv4Host whether this machine has an IPv4 address other than 127.0.0.1: aioice sends STUN only from
     *                 those ({@code get_host_addresses}), so without one it never waits for a STUN server
     */
    static Aiortc aiortc(List<ServerResult> results, boolean ipv4Host) {
        ServerResult stun = null;
        ServerResult turn = null;
        for (ServerResult r : results) {
            if (stun == null && r.url.scheme().equals("stun")) {
                stun = r;
            }
            // connection_kwargs takes the first turn: (UDP or TCP) or turns: (TCP) URL, with or without credentials
            if (turn == null && r.url.isTurn()) {
                turn = r;
            }
        }
        double stunMs = 0;
        boolean waitsFull = false;
        String stunText = "no stun: URL, so no server-reflexive candidate";
        if (stun != null && !ipv4Host) {
            stunText = "this machine has no IPv4 address but 127.0.0.1, and aioice asks STUN servers only from such "
                    + "addresses, so it does not wait for " + stun.url;
        } else if (stun != null) {
            // asyncio.wait(..., timeout=5) bounds the lookup and the Binding together
            if (stun.ok()) {
                stunMs = Math.min(AIORTC_STUN_WAIT_MS, stun.answerMillis());
                stunText = stun.url + " answers in " + Report.millis(stunMs);
            } else if (stun.dns != null && !stun.dns.ok()) {
                stunMs = Math.min(AIORTC_STUN_WAIT_MS, stun.dns.millis());
                stunText = stun.url + " does not resolve, which aiortc notices after " + Report.millis(stunMs);
            } else if (stun.binding != null && stun.binding.answered()) {
                stunMs = Math.min(AIORTC_STUN_WAIT_MS, stun.answerMillis());
                stunText = stun.url + " answers without a usable address, which aiortc notices after "
                        + Report.millis(stunMs);
            } else {
                // aioice's socket is not connected, so an ICMP port unreachable does not end its wait either
                stunMs = AIORTC_STUN_WAIT_MS;
                waitsFull = true;
                stunText = stun.url + " never answers, so aiortc waits its full "
                        + Report.seconds((long) AIORTC_STUN_WAIT_MS);
            }
        }
        double turnMs = 0;
        boolean fails = false;
        String turnText = "no TURN URL, so no relay candidate";
        if (turn != null) {
            boolean allocates = turn.relay != null && (turn.tls == null || turn.tls.problems().isEmpty());
            if (turn.username == null || turn.credential == null) {
                fails = true;
                turnMs = turn.answerMillis();
                turnText = turn.url + " is listed without credentials, so its 401 makes gathering raise after "
                        + Report.millis(turnMs);
            } else if (allocates) {
                turnMs = turn.answerMillis();
                turnText = turn.url + " allocates in " + Report.millis(turnMs);
            } else {
                fails = true;
                boolean silent = turn.dns != null && turn.dns.ok() && !turn.connectTimedOut
                        && (turn.url.transport() == IceServerUrl.Transport.UDP || turn.connectNanos >= 0)
                        && (turn.challenge != null && !turn.challenge.answered()
                        || turn.allocate != null && !turn.allocate.answered());
                // aioice retries a TURN request 7 times over UDP and TCP alike (63.5 s); a TCP connect that gets
                // no answer waits for the OS (about 127 s on Linux)
                turnMs = turn.connectTimedOut ? LINUX_CONNECT_TIMEOUT_MS
                        : silent ? AIORTC_TURN_GIVE_UP_MS : turn.answerMillis();
                turnText = turn.url + " fails (" + turn.failure + "), so gathering raises after "
                        + Report.millis(turnMs);
            }
        }
        double total = stunMs + turnMs;
        String text;
        if (fails) {
            text = "aiortc 1.4 cannot gather with this list: " + stunText + ", then " + turnText
                    + ". setLocalDescription raises and the call never starts";
        } else {
            text = "aiortc 1.4 takes about " + Report.millis(total) + " to gather (" + stunText + "; " + turnText
                    + "); a call between two aiortc peers waits about " + Report.millis(2 * total)
                    + " in gathering before it can connect";
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
        return new Aiortc(total, fails, stun, turn, waitsFull, text);
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

    /** Whether any interface has an IPv4 address other than 127.0.0.1 (what aioice's get_host_addresses keeps). */
    static boolean hasIpv4HostAddress() {
        try {
            for (NetworkInterface nif : java.util.Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InetAddress a : java.util.Collections.list(nif.getInetAddresses())) {
                    if (a instanceof Inet4Address && !a.getHostAddress().equals("127.0.0.1")) {
                        return true;
                    }
                }
            }
        } catch (SocketException e) {
            return true;
        }
        return false;
    }
}
