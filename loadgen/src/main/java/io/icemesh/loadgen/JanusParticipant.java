package io.icemesh.loadgen;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A client of Janus's videoroom plugin over the Janus WebSocket API (subprotocol janus-protocol): a session and a
 * handle per participant; a publisher creates its room, joins and publishes with the tool's offer; a subscriber joins
 * with the publisher's feed and answers Janus's offer with {@code start}.
 */
final class JanusParticipant implements Participant {

    private static final ScheduledExecutorService KEEPALIVE = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "janus-keepalive");
        t.setDaemon(true);
        return t;
    });
    private static final long REPLY_SECONDS = 30;

    private final String url;
    private final long room;
    private final String user;
    private final Endpoint endpoint;
    private final JanusParticipant publisher;
    private final Map<String, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private Ws ws;
    private long session;
    private long handle;
    private volatile long feed;
    private ScheduledFuture<?> keepalive;
    private volatile boolean leaving;

    /** A publisher (publisher == null) or a subscriber to {@code publisher}'s feed. */
    JanusParticipant(String url, long room, String user, Endpoint endpoint, JanusParticipant publisher) {
        this.url = url;
        this.room = room;
        this.user = user;
        this.endpoint = endpoint;
        this.publisher = publisher;
    }

    @Override
    public Endpoint endpoint() {
        return endpoint;
    }

    @Override
    public void join() throws Exception {
        ws = Ws.open(URI.create(url), "janus-protocol", this::onMessage, this::onClose);
        session = call(Ws.JSON.createObjectNode().put("janus", "create"), false).path("data").path("id").asLong();
        keepalive = KEEPALIVE.scheduleAtFixedRate(() -> ws.send(Ws.JSON.createObjectNode().put("janus", "keepalive")
                .put("session_id", session).put("transaction", tx())), 20, 20, TimeUnit.SECONDS);
        handle = call(Ws.JSON.createObjectNode().put("janus", "attach").put("plugin", "janus.plugin.videoroom")
                .put("session_id", session), false).path("data").path("id").asLong();
        if (publisher == null) {
            publish();
        } else {
            subscribe();
        }
    }

    private void publish() throws Exception {
        ObjectNode create = Ws.JSON.createObjectNode().put("request", "create").put("room", room)
                .put("publishers", 4).put("bitrate", 0).put("fir_freq", 0).put("videocodec", "vp8")
                .put("notify_joining", false);
        message(create, null);
        JsonNode joined = message(Ws.JSON.createObjectNode().put("request", "join").put("ptype", "publisher")
                .put("room", room).put("display", user), null);
        feed = data(joined).path("id").asLong();
        ObjectNode jsep = Ws.JSON.createObjectNode().put("type", "offer").put("sdp", endpoint.offer());
        JsonNode reply = message(Ws.JSON.createObjectNode().put("request", "publish").put("audio", false)
                .put("video", true), jsep);
        endpoint.answered(Sdp.parse(reply.path("jsep").path("sdp").asText()));
        trickleCompleted();
    }

    private void subscribe() throws Exception {
        ObjectNode join = Ws.JSON.createObjectNode().put("request", "join").put("ptype", "subscriber")
                .put("room", room);
        join.putArray("streams").addObject().put("feed", publisher.feed);
        JsonNode reply = message(join, null);
        Sdp offer = Sdp.parse(reply.path("jsep").path("sdp").asText());
        ObjectNode jsep = Ws.JSON.createObjectNode().put("type", "answer").put("sdp", endpoint.answer(offer));
        message(Ws.JSON.createObjectNode().put("request", "start"), jsep);
        trickleCompleted();
    }

    private void trickleCompleted() throws Exception {
        ObjectNode msg = Ws.JSON.createObjectNode().put("janus", "trickle").put("session_id", session)
                .put("handle_id", handle);
        msg.putObject("candidate").put("completed", true);
        call(msg, false);
    }

    private static JsonNode data(JsonNode reply) {
        return reply.path("plugindata").path("data");
    }

    private JsonNode message(ObjectNode body, ObjectNode jsep) throws Exception {
        ObjectNode msg = Ws.JSON.createObjectNode().put("janus", "message").put("session_id", session)
                .put("handle_id", handle);
        msg.set("body", body);
        if (jsep != null) {
            msg.set("jsep", jsep);
        }
        JsonNode reply = call(msg, true);
        if (data(reply).has("error")) {
            throw new IllegalStateException(user + ": janus " + body.path("request").asText() + ": "
                    + data(reply).path("error").asText());
        }
        return reply;
    }

    /** Sends a request and waits for its reply; {@code skipAck}: an asynchronous plugin answer follows the ack. */
    private JsonNode call(ObjectNode msg, boolean skipAck) throws Exception {
        String t = tx();
        CompletableFuture<JsonNode> f = new CompletableFuture<>();
        pending.put(t + (skipAck ? "+" : ""), f);
        msg.put("transaction", t);
        ws.send(msg);
        try {
            JsonNode reply = f.get(REPLY_SECONDS, TimeUnit.SECONDS);
            if ("error".equals(reply.path("janus").asText())) {
                throw new IllegalStateException(user + ": janus " + msg.path("janus").asText() + ": "
                        + reply.path("error"));
            }
            return reply;
        } finally {
            pending.remove(t);
            pending.remove(t + "+");
        }
    }

    private void onMessage(JsonNode msg) {
        String kind = msg.path("janus").asText();
        String t = msg.path("transaction").asText(null);
        if ("trickle".equals(kind)) {
            trickled(msg.path("candidate"));
            return;
        }
        if ("hangup".equals(kind) && !leaving) {
            endpoint.fail("janus hangup: " + msg.path("reason").asText());
            return;
        }
        if (t == null) {
            return;
        }
        CompletableFuture<JsonNode> f = pending.get(t);
        if (f == null && !"ack".equals(kind)) {
            f = pending.get(t + "+");
        }
        if (f != null) {
            f.complete(msg);
        }
    }

    private void trickled(JsonNode c) {
        String line = c.path("candidate").asText("");
        String[] f = line.replaceFirst("^candidate:", "").split(" ");
        if (f.length >= 8 && "udp".equalsIgnoreCase(f[2]) && "1".equals(f[1])) {
            try {
                endpoint.trickled(new InetSocketAddress(InetAddress.getByName(f[4]), Integer.parseInt(f[5])));
            } catch (Exception e) {
                // a candidate the tool cannot use (a name, a bad port)
            }
        }
    }

    private void onClose(String why) {
        if (!leaving) {
            endpoint.fail("janus signaling " + why);
            for (CompletableFuture<JsonNode> f : pending.values()) {
                f.completeExceptionally(new IllegalStateException(why));
            }
        }
    }

    private static String tx() {
        return Long.toHexString(ThreadLocalRandom.current().nextLong());
    }

    @Override
    public void leave() {
        leaving = true;
        if (keepalive != null) {
            keepalive.cancel(false);
        }
        if (ws != null) {
            ws.send(Ws.JSON.createObjectNode().put("janus", "destroy").put("session_id", session)
                    .put("transaction", tx()));
            ws.close();
        }
        endpoint.close();
    }
}
