package io.icemesh.signaling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.icemesh.signaling.auth.RoomMode;
import io.icemesh.signaling.auth.RoomTokens;
import io.icemesh.signaling.config.SignalingConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.value.registry.ValueRegistry;
import io.quarkus.vertx.http.HttpServer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jboss.logging.Logger;

/**
 * The boot warm-up: before this instance says it is ready, it makes P2P calls with itself, two WebSocket clients on
 * loopback per call, through the whole path a browser's call takes (the socket, a join with its offer, early relay,
 * the room log on Kafka, answer, candidates, reports, leave), so that the JIT compiler has compiled that path before
 * the first real call instead of during the first hundred (docs/benchmarks.md, "A fresh signaling instance's first
 * calls"). Its sessions publish no session events and are not logged ({@link WarmUpSessions}); its rooms
 * ({@code icemesh-warm-up-<instance>-<n>}) are in the room log like any room, for the milliseconds a call lasts, and
 * its calls count in the metrics like any call. Best effort: a call that fails or a warm-up past its time limit ends
 * the warm-up early with a warning, and the instance becomes ready as before.
 */
@ApplicationScoped
public class SignalingWarmUp {

    private static final Logger LOG = Logger.getLogger(SignalingWarmUp.class);

    /** How long one step of a warm-up call (a reply) may take before the warm-up gives up. */
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(5);

    private final SignalingSessions sessions;
    private final WarmUpSessions warmUpSessions;
    private final RoomTokens tokens;
    private final ObjectMapper json;
    private final ValueRegistry values;
    private final int calls;
    private final Duration timeout;
    private volatile boolean done;
    private volatile int made;
    private volatile boolean stopping;

    SignalingWarmUp(SignalingSessions sessions, WarmUpSessions warmUpSessions, RoomTokens tokens, ObjectMapper json,
            ValueRegistry values, SignalingConfig config) {
        this.sessions = sessions;
        this.warmUpSessions = warmUpSessions;
        this.tokens = tokens;
        this.json = json;
        this.values = values;
        this.calls = config.warmUp().calls();
        this.timeout = config.warmUp().timeout();
        this.done = calls <= 0;
    }

    /** Whether the warm-up is over (or was never asked for): until then the instance is not ready. */
    public boolean done() {
        return done;
    }

    /** Warm-up calls completed so far. */
    public int callsMade() {
        return made;
    }

    void onStart(@Observes StartupEvent event) {
        if (done) {
            return;
        }
        Thread t = new Thread(this::run, "signaling-warm-up");
        t.setDaemon(true);
        t.start();
    }

    void onStop(@Observes ShutdownEvent event) {
        stopping = true;
    }

    private void run() {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        try {
            while (!sessions.ready() || !values.containsKey(HttpServer.HTTP_PORT)) {
                if (System.nanoTime() > deadline || stopping) {
                    LOG.warnf("warm-up skipped: the room log was not ready within %s", timeout);
                    return;
                }
                Thread.sleep(50);
            }
            URI uri = URI.create("ws://127.0.0.1:" + values.get(HttpServer.HTTP_PORT) + "/ws");
            HttpClient http = HttpClient.newHttpClient();
            String prefix = "icemesh-warm-up-" + UUID.randomUUID().toString().substring(0, 8) + "-";
            for (int i = 0; i < calls && !stopping; i++) {
                if (System.nanoTime() > deadline) {
                    LOG.warnf("warm-up stopped at its time limit (%s) after %d of %d calls", timeout, made, calls);
                    return;
                }
                call(http, uri, prefix + i);
                made++;
            }
            LOG.infof("warm-up: %d calls with itself in %d ms", made, (System.nanoTime() - start) / 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warnf("warm-up ended after %d of %d calls: %s", made, calls, e.toString());
        } finally {
            done = true;
        }
    }

    /**
     * One P2P call as the web client makes it: the first peer joins; the newcomer joins with its offer (early relay
     * on); the first peer answers it and trickles candidates, the newcomer trickles its own; both report their ICE
     * timeline, then leave.
     */
    private void call(HttpClient http, URI uri, String room) throws Exception {
        try (Client first = new Client(http, uri); Client newcomer = new Client(http, uri)) {
            first.take("hello");
            first.send(join(room, null));
            first.take("joined");
            newcomer.take("hello");
            newcomer.send(join(room, sdp("actpass")));
            JsonNode offer = first.take("offer");
            String newcomerId = offer.path("from").asText();
            first.send(json.createObjectNode().put("type", "answer").put("to", newcomerId).put("sdp", sdp("active")));
            for (int c = 0; c < 2; c++) {
                first.send(candidate(newcomerId, c));
            }
            JsonNode joined = newcomer.take("joined");
            String firstId = joined.path("offeredTo").asText();
            newcomer.take("answer");
            for (int c = 0; c < 2; c++) {
                newcomer.send(candidate(firstId, c));
            }
            newcomer.take("candidate");
            newcomer.take("candidate");
            first.take("peer-joined");
            first.take("candidate");
            first.take("candidate");
            for (Client c : List.of(first, newcomer)) {
                c.send(report());
            }
            first.take("report-ack");
            newcomer.take("report-ack");
            newcomer.send(json.createObjectNode().put("type", "leave"));
            first.take("peer-left");
            first.send(json.createObjectNode().put("type", "leave"));
        }
    }

    private ObjectNode join(String room, String offer) {
        String sessionId = "warm-up-" + UUID.randomUUID();
        warmUpSessions.add(sessionId);
        ObjectNode join = json.createObjectNode().put("type", "join")
                .put("token", tokens.mint("warm-up", room, RoomMode.P2P, sessionId, Duration.ofMinutes(1)))
                .put("earlyRelay", true);
        if (offer != null) {
            join.put("offer", offer);
        }
        return join;
    }

    private ObjectNode candidate(String to, int n) {
        ObjectNode m = json.createObjectNode().put("type", "candidate").put("to", to);
        m.putObject("candidate")
                .put("candidate", "candidate:" + (1000 + n) + " 1 udp 2122260223 127.0.0.1 " + (50000 + n)
                        + " typ host generation 0 ufrag wArM network-id 1")
                .put("sdpMid", "0").put("sdpMLineIndex", 0).put("usernameFragment", "wArM");
        return m;
    }

    private ObjectNode report() {
        ObjectNode m = json.createObjectNode().put("type", "report");
        ArrayNode e = m.putArray("entries");
        e.addObject().put("event", "gathering-started").put("t", 1);
        e.addObject().put("event", "candidate").put("t", 2).put("candidateType", "host").put("protocol", "udp")
                .put("port", 50000);
        e.addObject().put("event", "ice-state").put("t", 30).put("state", "checking");
        e.addObject().put("event", "ice-state").put("t", 40).put("state", "connected");
        e.addObject().put("event", "selected-pair").put("t", 41).put("local", "host").put("remote", "host")
                .put("protocol", "udp").put("rttMs", 0.5);
        e.addObject().put("event", "first-media").put("t", 90);
        return m;
    }

    /** A session description the size and shape of Chromium's for one audio and one video track. */
    private static String sdp(String setup) {
        StringBuilder s = new StringBuilder(3000)
                .append("v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n")
                .append("a=group:BUNDLE 0 1\r\na=extmap-allow-mixed\r\na=msid-semantic: WMS warm-up\r\n");
        String[][] media = {{"audio", "111 63 9 0 8 13 110 126"}, {"video", "96 97 102 103 104 105 106 107"}};
        for (int i = 0; i < media.length; i++) {
            s.append("m=").append(media[i][0]).append(" 9 UDP/TLS/RTP/SAVPF ").append(media[i][1]).append("\r\n")
                    .append("c=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\na=ice-ufrag:wArM\r\n")
                    .append("a=ice-pwd:warmupwarmupwarmupwarmupw\r\na=ice-options:trickle\r\n")
                    .append("a=fingerprint:sha-256 ")
                    .append("7B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08")
                    .append("\r\na=setup:").append(setup).append("\r\na=mid:").append(i).append("\r\n")
                    .append("a=sendrecv\r\na=msid:warm-up track-").append(i).append("\r\na=rtcp-mux\r\n");
            for (String pt : media[i][1].split(" ")) {
                s.append("a=rtpmap:").append(pt).append(i == 0 ? " opus/48000/2" : " VP8/90000").append("\r\n")
                        .append("a=rtcp-fb:").append(pt).append(" transport-cc\r\n");
            }
            s.append("a=ssrc:").append(1000 + i).append(" cname:warmupwarmupwarm\r\n");
        }
        return s.toString();
    }

    /** One warm-up WebSocket client: queues what it receives; {@link #take} finds a message by type. */
    private final class Client implements AutoCloseable {

        private final BlockingQueue<JsonNode> received = new LinkedBlockingQueue<>();
        private final List<JsonNode> held = new ArrayList<>();
        private final WebSocket socket;

        Client(HttpClient http, URI uri) throws Exception {
            socket = http.newWebSocketBuilder().connectTimeout(STEP_TIMEOUT).buildAsync(uri, new WebSocket.Listener() {
                private final StringBuilder partial = new StringBuilder();

                @Override
                public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                    partial.append(data);
                    if (last) {
                        try {
                            received.add(json.readTree(partial.toString()));
                        } catch (Exception e) {
                            received.add(json.createObjectNode().put("type", "unreadable"));
                        }
                        partial.setLength(0);
                    }
                    ws.request(1);
                    return null;
                }
            }).get(STEP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }

        void send(ObjectNode message) throws Exception {
            socket.sendText(message.toString(), true).get(STEP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }

        /** The next message of this type (others that come first are kept for later); an error ends the call. */
        JsonNode take(String type) throws Exception {
            for (Iterator<JsonNode> it = held.iterator(); it.hasNext();) {
                JsonNode m = it.next();
                if (type.equals(m.path("type").asText())) {
                    it.remove();
                    return m;
                }
            }
            long until = System.nanoTime() + STEP_TIMEOUT.toNanos();
            while (true) {
                JsonNode m = received.poll(until - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (m == null) {
                    throw new TimeoutException("no " + type + " within " + STEP_TIMEOUT);
                }
                String got = m.path("type").asText();
                if (type.equals(got)) {
                    return m;
                }
                if ("error".equals(got)) {
                    throw new IllegalStateException("waiting for " + type + ": " + m);
                }
                held.add(m);
            }
        }

        @Override
        public void close() {
            socket.abort();
        }
    }
}
