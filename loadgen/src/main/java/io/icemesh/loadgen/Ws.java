package io.icemesh.loadgen;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** A JSON-over-WebSocket connection on the JDK's client: messages are reassembled and handed over one at a time. */
final class Ws implements WebSocket.Listener {

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private final StringBuilder partial = new StringBuilder();
    private final Consumer<JsonNode> onMessage;
    private final Consumer<String> onClose;
    private WebSocket socket;
    private CompletableFuture<?> sending = CompletableFuture.completedFuture(null);

    private Ws(Consumer<JsonNode> onMessage, Consumer<String> onClose) {
        this.onMessage = onMessage;
        this.onClose = onClose;
    }

    static Ws open(URI uri, String subprotocol, Consumer<JsonNode> onMessage, Consumer<String> onClose)
            throws Exception {
        Ws ws = new Ws(onMessage, onClose);
        WebSocket.Builder b = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
        if (subprotocol != null) {
            b.subprotocols(subprotocol);
        }
        ws.socket = b.buildAsync(uri, ws).get(15, TimeUnit.SECONDS);
        return ws;
    }

    /** Sends one JSON message; sends are queued so that they never overlap. */
    synchronized void send(JsonNode message) {
        String text = message.toString();
        sending = sending.handle((r, e) -> null).thenCompose(x -> socket.sendText(text, true));
    }

    void close() {
        try {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            socket.abort();
        }
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            String text = partial.toString();
            partial.setLength(0);
            try {
                onMessage.accept(JSON.readTree(text));
            } catch (Exception e) {
                onClose.accept("bad message: " + e);
            }
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        onClose.accept("closed " + statusCode + " " + reason);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        onClose.accept("error " + error);
    }
}
