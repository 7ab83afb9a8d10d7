package io.icemesh.signaling;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.icemesh.broker.KafkaBrokerResource;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketFrame;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A message over the transport's limit (1 MiB, where the server stops reading it) is answered with {@code too-large}
 * and the socket closed with 1009, logged as one WARN line at most and never as a stack trace.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class OversizedMessageTest {

    /** Loggers that warn on their own, in the background, about the broker. */
    private static final List<String> BACKGROUND = List.of("org.apache.kafka", "io.smallrye.reactive.messaging");

    @TestHTTPResource("/ws")
    URI ws;

    @Inject
    MeterRegistry meters;

    @Inject
    Vertx vertx;

    private final List<LogRecord> warnings = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.WARNING.intValue()
                    && BACKGROUND.stream().noneMatch(p -> String.valueOf(record.getLoggerName()).startsWith(p))) {
                warnings.add(record);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void captureLog() {
        Logger.getLogger("").addHandler(capture);
    }

    @AfterEach
    void releaseLog() {
        Logger.getLogger("").removeHandler(capture);
    }

    @Test
    void refusesATwoMebibyteMessageWithTooLargeAndOneWarningWithoutAStackTrace() throws Exception {
        double before = tooLarge();
        try (WsClient bystander = WsClient.connect(ws); WsClient big = WsClient.connect(ws)) {
            bystander.next("hello");
            big.next("hello");
            big.sendAndForget("{\"type\":\"ping\",\"pad\":\"" + "x".repeat(2 * 1024 * 1024) + "\"}");

            JsonNode error = big.next("error");
            assertEquals("too-large", error.get("code").asText(), error.toString());
            WsClient.Closed closed = big.awaitClose(10);
            assertEquals(1009, closed.code(), "closed as 'message too big': " + closed);
            assertEquals("too-large", closed.reason());

            await().atMost(Duration.ofSeconds(10)).until(() -> tooLarge() >= before + 1);
            assertTrue(bystander.send("{\"type\":\"ping\"}").next("pong").isObject(), "another socket is served");
            try (WsClient later = WsClient.connect(ws)) {
                assertEquals(1, later.next("hello").get("protocol").asInt(), "a new socket is served");
            }
        }
        assertTrue(warnings.stream().noneMatch(r -> r.getThrown() != null),
                "no stack trace in the log: " + describe(warnings));
        assertTrue(warnings.size() <= 1, "at most one warning: " + describe(warnings));
        assertTrue(warnings.stream().allMatch(r -> r.getLevel().intValue() < Level.SEVERE.intValue()),
                "no error in the log: " + describe(warnings));
    }

    /** Browsers send a message as one frame: one over the protocol's limit is answered, not cut off. */
    @Test
    void answersASingleFrameMessageOverTheProtocolLimitWithTooLargeAndKeepsTheSocket() throws Exception {
        WebSocketClient client = vertx.createWebSocketClient();
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        try {
            WebSocket socket = client.connect(ws.getPort(), ws.getHost(), ws.getPath())
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            socket.textMessageHandler(received::add);
            String big = "{\"type\":\"ping\",\"pad\":\"" + "x".repeat(100_000) + "\"}";
            socket.writeFrame(WebSocketFrame.textFrame(big, true));
            String error = poll(received, "\"error\"");
            assertTrue(error.contains("\"code\":\"too-large\""), error);
            socket.writeTextMessage("{\"type\":\"ping\"}");
            poll(received, "\"pong\"");
            assertTrue(warnings.isEmpty(), "nothing logged: " + describe(warnings));
        } finally {
            client.close();
        }
    }

    private static String poll(BlockingQueue<String> received, String type) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            String msg = received.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (msg == null) {
                throw new AssertionError("no " + type + " message within 10 s");
            }
            if (msg.contains("\"type\":" + type)) {
                return msg;
            }
        }
    }

    private double tooLarge() {
        var counter = meters.find("icemesh.signaling.messages.too_large").counter();
        return counter == null ? 0 : counter.count();
    }

    private static String describe(List<LogRecord> records) {
        return records.stream().map(r -> r.getLevel() + " " + r.getLoggerName() + ": " + r.getMessage()
                + (r.getThrown() != null ? " (" + r.getThrown() + ")" : "")).collect(Collectors.joining("; "));
    }
}
