package io.icemesh.media.room;

import io.icemesh.media.endpoint.Endpoint;
import io.icemesh.media.endpoint.EndpointObserver;
import io.icemesh.media.endpoint.NodeContext;
import io.icemesh.media.srtp.SrtpProfile;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * The command path run in process before a node takes rooms: in a room registry of its own (its replies go nowhere,
 * its endpoints are not the node's), two endpoints are allocated, each answers a browser-like offer (SDP parsing, an
 * ice4j agent on the node's UDP port, the answer, the SFU's offer of the other's tracks and its answer) and both are
 * ended, again and again. On a node that had not done this yet, a moved room's first allocation took about half a
 * second and its first answer 0.1-0.5 s (FailoverBench's stage marks, docs/benchmarks.md). The offers carry no
 * candidates, and their ICE credentials are the warm-up's own, so no packet is sent anywhere.
 */
public final class RoomsWarmUp {

    /** The warm-up registry's own log category (WARN in application.properties: its endpoints are no news). */
    static final Logger LOG = Logger.getLogger("io.icemesh.media.room.warm-up");

    /**
     * What the warm-up did: rounds completed, the SFU's own offers answered, the first round's and the last round's
     * time, and why it stopped early (null when it did not).
     */
    public record Result(int rounds, int sfuOffersAnswered, long firstMillis, long lastMillis, String failure) {
    }

    /** A Chromium-like offer: camera (VP8 with RTX, H264) and microphone (Opus), no candidates. */
    static String offer(int n, String fingerprint) {
        long ssrc = 100_000L + 4L * n;
        return "v=0\r\no=- " + (4000 + n) + " 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
                + "a=group:BUNDLE 0 1\r\na=extmap-allow-mixed\r\na=msid-semantic: WMS warm" + n + "\r\n"
                + "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n"
                + "a=ice-ufrag:wu" + n + "x\r\na=ice-pwd:warmupwarmupwarmupwarmup\r\na=ice-options:trickle\r\n"
                + "a=fingerprint:" + fingerprint + "\r\na=setup:actpass\r\na=mid:0\r\n"
                + "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
                + "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\na=sendrecv\r\na=msid:warm" + n + " audio" + n
                + "\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\na=rtcp-fb:111 transport-cc\r\n"
                + "a=fmtp:111 minptime=10;useinbandfec=1\r\na=ssrc:" + ssrc + " cname:warm" + n + "\r\n"
                + "a=ssrc:" + ssrc + " msid:warm" + n + " audio" + n + "\r\n"
                + "m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n"
                + "a=ice-ufrag:wu" + n + "x\r\na=ice-pwd:warmupwarmupwarmupwarmup\r\na=ice-options:trickle\r\n"
                + "a=fingerprint:" + fingerprint + "\r\na=setup:actpass\r\na=mid:1\r\n"
                + "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
                + "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\na=sendrecv\r\na=msid:warm" + n + " video" + n
                + "\r\na=rtcp-mux\r\na=rtcp-rsize\r\na=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 goog-remb\r\n"
                + "a=rtcp-fb:96 transport-cc\r\na=rtcp-fb:96 ccm fir\r\na=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\n"
                + "a=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\na=rtpmap:102 H264/90000\r\n"
                + "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f\r\n"
                + "a=rtpmap:103 rtx/90000\r\na=fmtp:103 apt=102\r\n"
                + "a=ssrc-group:FID " + (ssrc + 1) + " " + (ssrc + 2) + "\r\n"
                + "a=ssrc:" + (ssrc + 1) + " cname:warm" + n + "\r\na=ssrc:" + (ssrc + 1) + " msid:warm" + n + " video"
                + n + "\r\na=ssrc:" + (ssrc + 2) + " cname:warm" + n + "\r\na=ssrc:" + (ssrc + 2) + " msid:warm" + n
                + " video" + n + "\r\n";
    }

    private RoomsWarmUp() {
    }

    /**
     * Runs up to {@code rounds} rounds, starting none once {@code budget} is spent, and stops when a round fails (the
     * node then starts as it would without the warm-up; the failure is returned for the log).
     */
    public static Result run(NodeContext node, int rounds, Duration budget) {
        NodeContext quiet = new NodeContext(node.harvesters(), node.certificate(), node.candidateLines(),
                node.srtpProfiles(), node.dtlsHandshakeTimeout(), node.maxSsrcsPerEndpoint(), node.packets(),
                SILENT);
        Answers replies = new Answers();
        Rooms rooms = new Rooms(quiet, replies, 16, (subscriber, track) -> { }, subscriber -> { }, LOG);
        String fingerprint = node.certificate().fingerprint().sdpValue();
        long deadline = System.nanoTime() + budget.toNanos();
        long first = -1;
        long last = -1;
        int done = 0;
        int answered = 0;
        while (done < rounds && System.nanoTime() - deadline < 0) {
            long start = System.nanoTime();
            String room = "icemesh-warm-up-" + done;
            String a = room + "-a";
            String b = room + "-b";
            try {
                rooms.allocate(null, room, a);
                rooms.allocate(null, room, b);
                rooms.offer(null, room, a, offer(2 * done, fingerprint));
                rooms.offer(null, room, b, offer(2 * done + 1, fingerprint));
                String[] eps = {a, b};
                for (int i = 0; i < 2; i++) {
                    String sfuOffer = replies.lastOffer(eps[i]);
                    if (sfuOffer != null) {
                        rooms.answer(room, eps[i], answerTo(sfuOffer, 2 * done + i, fingerprint));
                        answered++;
                    }
                }
                rooms.end(null, room, a);
                rooms.end(null, room, b);
            } catch (ControlException | RuntimeException | LinkageError e) {
                try {
                    rooms.endAll("warm-up-failed");
                } catch (RuntimeException | LinkageError cleanup) {
                    e.addSuppressed(cleanup);
                }
                return new Result(done, answered, first, last, e.toString());
            }
            last = (System.nanoTime() - start) / 1_000_000;
            if (first < 0) {
                first = last;
            }
            done++;
        }
        if (replies.answers.get() != 2 * done) {
            return new Result(done, answered, first, last, replies.answers.get() + " answers for " + 2 * done
                    + " offers");
        }
        return new Result(done, answered, first, last, null);
    }

    /**
     * A browser's answer to the SFU's offer: each section with the direction turned round, the warm-up client's ICE
     * credentials and certificate fingerprint, and setup:active.
     */
    static String answerTo(String sfuOffer, int n, String fingerprint) {
        StringBuilder out = new StringBuilder();
        for (String line : sfuOffer.split("\r\n")) {
            if (line.startsWith("a=sendonly")) {
                out.append("a=recvonly\r\n");
            } else if (line.startsWith("a=recvonly")) {
                out.append("a=sendonly\r\n");
            } else if (line.startsWith("a=setup:")) {
                out.append("a=setup:active\r\n");
            } else if (line.startsWith("a=ice-ufrag:")) {
                out.append("a=ice-ufrag:wu").append(n).append("x\r\n");
            } else if (line.startsWith("a=ice-pwd:")) {
                out.append("a=ice-pwd:warmupwarmupwarmupwarmup\r\n");
            } else if (line.startsWith("a=fingerprint:")) {
                out.append("a=fingerprint:").append(fingerprint).append("\r\n");
            } else if (line.startsWith("a=candidate:") || line.startsWith("a=ssrc") || line.startsWith("a=msid:")) {
                continue;
            } else {
                out.append(line).append("\r\n");
            }
        }
        return out.toString();
    }

    private static final EndpointObserver SILENT = new EndpointObserver() {
        @Override
        public void iceConnected(Endpoint endpoint, String localType, String remoteType, long elapsedNanos) {
        }

        @Override
        public void iceRestarted(Endpoint endpoint, String localType, String remoteType) {
        }

        @Override
        public void dtlsConnected(Endpoint endpoint, SrtpProfile profile, long elapsedNanos) {
        }

        @Override
        public void transportFailed(Endpoint endpoint, String reason) {
        }

        @Override
        public void firstRtpIn(Endpoint endpoint) {
        }

        @Override
        public void firstRtpOut(Endpoint endpoint) {
        }
    };

    /** Keeps the SFU's latest offer per endpoint and counts answers; sends nothing. */
    private static final class Answers implements ReplySink {
        final AtomicInteger answers = new AtomicInteger();
        final java.util.Map<String, String> offers = new java.util.concurrent.ConcurrentHashMap<>();

        String lastOffer(String endpoint) {
            return offers.remove(endpoint);
        }

        @Override
        public void allocated(String requestId, String roomId, String endpointId) {
        }

        @Override
        public void answer(String requestId, String roomId, String endpointId, String sdp) {
            answers.incrementAndGet();
        }

        @Override
        public void offer(String roomId, String endpointId, String sdp) {
            offers.put(endpointId, sdp);
        }

        @Override
        public void ended(String requestId, String roomId, String endpointId, String reason) {
        }
    }
}
