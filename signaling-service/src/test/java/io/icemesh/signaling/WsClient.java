package io.icemesh.signaling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A plain JDK WebSocket client for tests: sends text, queues every message it receives. */
final class WsClient implements AutoCloseable {

    /** How the server closed the socket: the status code and reason of its close frame. */
    record Closed(int code, String reason) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final BlockingQueue<JsonNode> received = new LinkedBlockingQueue<>();
    private final CompletableFuture<Closed> closed = new CompletableFuture<>();
    private final WebSocket socket;

    private WsClient(URI uri) {
        socket = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                .buildAsync(uri, new WebSocket.Listener() {
                    private final StringBuilder partial = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                        partial.append(data);
                        if (last) {
                            try {
                                received.add(JSON.readTree(partial.toString()));
                            } catch (Exception e) {
                                throw new IllegalStateException("server sent invalid JSON: " + partial, e);
                            }
                            partial.setLength(0);
                        }
                        ws.request(1);
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
                        closed.complete(new Closed(statusCode, reason));
                        return null;
                    }

                    @Override
                    public void onError(WebSocket ws, Throwable error) {
                        closed.completeExceptionally(error);
                    }
                }).join();
    }

    /** Connects to {@code http://host:port/ws} given as an http URI. */
    static WsClient connect(URI httpUri) {
        return new WsClient(URI.create(httpUri.toString().replaceFirst("^http", "ws")));
    }

    WsClient send(String text) {
        socket.sendText(text, true).join();
        return this;
    }

    /**
     * Sends without waiting for the send to complete: for a message the server may refuse by closing the socket
     * while it is still being written.
     */
    WsClient sendAndForget(String text) {
        socket.sendText(text, true).exceptionally(e -> null);
        return this;
    }

    /** The next message of any type; fails after {@code seconds}. */
    JsonNode nextAny(int seconds) throws InterruptedException {
        JsonNode msg = received.poll(seconds, TimeUnit.SECONDS);
        if (msg == null) {
            throw new AssertionError("no message within " + seconds + " s");
        }
        return msg;
    }

    /** The next message already received, or null. */
    JsonNode poll() {
        return received.poll();
    }

    /** The server's close frame; fails after {@code seconds}. */
    Closed awaitClose(int seconds) throws Exception {
        return closed.orTimeout(seconds, TimeUnit.SECONDS).exceptionally(e -> {
            throw new AssertionError("the server did not close the socket within " + seconds + " s", e);
        }).get();
    }

    /** The next message of the given type, skipping others; fails after 10 s. */
    JsonNode next(String type) throws InterruptedException {
        return next(type, 10);
    }

    /** The next message of the given type, skipping others; fails after {@code seconds}. */
    JsonNode next(String type, int seconds) throws InterruptedException {
        return nextOf(seconds, type);
    }

    /** The next message of any of the given types, skipping others; fails after {@code seconds}. */
    JsonNode nextOf(int seconds, String... types) throws InterruptedException {
        java.util.List<String> wanted = java.util.List.of(types);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            long left = deadline - System.nanoTime();
            JsonNode msg = left > 0 ? received.poll(left, TimeUnit.NANOSECONDS) : null;
            if (msg == null) {
                throw new AssertionError("no " + wanted + " message within " + seconds + " s");
            }
            if (wanted.contains(msg.path("type").asText())) {
                return msg;
            }
        }
    }

    /** Whether the server closed the socket (or it failed). */
    boolean isClosed() {
        return closed.isDone();
    }

    /** Drops the socket without a close handshake, as a lost network would. */
    void abort() {
        socket.abort();
    }

    @Override
    public void close() {
        if (socket.isOutputClosed() || socket.isInputClosed()) {
            return;
        }
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> null)
                .join();
    }
}
