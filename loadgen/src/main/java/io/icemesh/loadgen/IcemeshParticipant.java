package io.icemesh.loadgen;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A client of an icemesh SFU room through signaling-service's WebSocket (docs/signaling-protocol.md): a dev token,
 * {@code join}, one offer to {@code sfu}, then answers to every offer from {@code sfu}.
 */
final class IcemeshParticipant implements Participant {

    private static final String SFU = "sfu";

    private final String base;
    private final String room;
    private final String user;
    private final Endpoint endpoint;
    private final CompletableFuture<Void> answered = new CompletableFuture<>();
    private Ws ws;
    private volatile boolean leaving;

    IcemeshParticipant(String base, String room, String user, Endpoint endpoint) {
        this.base = base.replaceAll("/+$", "");
        this.room = room;
        this.user = user;
        this.endpoint = endpoint;
    }

    @Override
    public Endpoint endpoint() {
        return endpoint;
    }

    @Override
    public void join() throws Exception {
        ObjectNode body = Ws.JSON.createObjectNode().put("room", room).put("user", user).put("mode", "sfu");
        HttpResponse<String> r = Ws.HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/dev/token"))
                .timeout(Duration.ofSeconds(15)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("token: HTTP " + r.statusCode() + " " + r.body());
        }
        String token = Ws.JSON.readTree(r.body()).path("token").asText();
        ws = Ws.open(URI.create(base.replaceFirst("^http", "ws") + "/ws"), null, this::onMessage, this::onClose);
        ws.send(Ws.JSON.createObjectNode().put("type", "join").put("token", token));
        answered.get(60, TimeUnit.SECONDS);
    }

    private void onMessage(JsonNode msg) {
        String type = msg.path("type").asText();
        switch (type) {
            case "joined":
                ws.send(Ws.JSON.createObjectNode().put("type", "offer").put("to", SFU).put("sdp", endpoint.offer()));
                break;
            case "answer":
                endpoint.answered(Sdp.parse(msg.path("sdp").asText()));
                answered.complete(null);
                break;
            case "offer":
                String answer = endpoint.answer(Sdp.parse(msg.path("sdp").asText()));
                ws.send(Ws.JSON.createObjectNode().put("type", "answer").put("to", SFU).put("sdp", answer));
                break;
            case "error":
            case "sfu-ended":
            case "sfu-moved":
                fail(type + " " + msg);
                break;
            default:
                break;
        }
    }

    private void onClose(String why) {
        if (!leaving) {
            fail("signaling " + why);
        }
    }

    private void fail(String why) {
        endpoint.fail(why);
        answered.completeExceptionally(new IllegalStateException(user + ": " + why));
    }

    @Override
    public void leave() {
        leaving = true;
        if (ws != null) {
            ws.send(Ws.JSON.createObjectNode().put("type", "leave"));
            ws.close();
        }
        endpoint.close();
    }
}
