package io.icemesh.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code ./icemesh up --scale signaling=2}: two signaling processes on one room log. Peers on different instances are
 * in one room; an instance killed with SIGKILL mid-call loses nobody: its client resumes on the other instance and
 * gets what was sent while it was away, and its peer never hears it left.
 */
class ScaledSignalingTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void peersOnTwoSignalingProcessesShareARoomAndAClientOfAKilledOneResumesOnTheOther() throws Exception {
        try (Mesh mesh = new Mesh()) {
            Mesh.Result up = mesh.run("up", "-d", "--scale", "signaling=2", "signaling");
            assertEquals(0, up.exitCode(), "./icemesh up -d --scale signaling=2 failed:\n" + up.output());
            int first = mesh.ports.get("signaling");
            int second = first + 100;

            Mesh.Result status = mesh.run("status");
            List<String> lines = status.output().lines().toList();
            assertTrue(lines.stream().anyMatch(l -> l.matches("signaling\\s+running\\s+\\d+\\s+" + first + "\\s+ready")),
                    status.output());
            assertTrue(lines.stream().anyMatch(l -> l.matches("signaling-1\\s+running\\s+\\d+\\s+" + second
                    + "\\s+ready")), status.output());

            String room = "scaled-" + System.nanoTime();
            try (Client a = Client.connect(first); Client b = Client.connect(second)) {
                String aId = a.join(token(first, room)).get("peerId").asText();
                JsonNode bJoined = b.join(token(second, room));
                String bId = bJoined.get("peerId").asText();
                assertEquals(aId, bJoined.get("peers").get(0).get("peerId").asText(), "b, on instance 1, sees a");
                assertEquals(bId, a.next("peer-joined").get("peerId").asText(), "a, on instance 0, hears of b");
                a.send("{\"type\":\"offer\",\"to\":\"" + bId + "\",\"sdp\":\"v=0 first\"}");
                long seen = b.next("offer").get("seq").asLong();

                long pid = Long.parseLong(Files.readString(mesh.home.resolve("run").resolve("signaling-1.pid")).trim());
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                b.awaitClosed();
                a.send("{\"type\":\"candidate\",\"to\":\"" + bId + "\",\"candidate\":{\"candidate\":\"while-away\"}}");

                try (Client b2 = Client.connect(first)) {
                    b2.next("hello");
                    b2.send("{\"type\":\"resume\",\"resumeToken\":\"" + bJoined.get("resumeToken").asText()
                            + "\",\"lastSeq\":" + seen + "}");
                    JsonNode resumed = b2.next("resumed");
                    assertEquals(bId, resumed.get("peerId").asText());
                    JsonNode missed = b2.next("candidate");
                    assertEquals("while-away", missed.get("candidate").get("candidate").asText());
                    assertEquals(seen + 1, missed.get("seq").asLong(), "the seq goes on without a gap");
                    b2.send("{\"type\":\"answer\",\"to\":\"" + aId + "\",\"sdp\":\"v=0 back\"}");
                    JsonNode answer = a.next("answer");
                    assertEquals("v=0 back", answer.get("sdp").asText());
                    assertEquals(2, answer.get("seq").asLong(), "a heard no peer-left between peer-joined and this");
                }
            }
            Mesh.Result down = mesh.run("down");
            assertEquals(0, down.exitCode(), down.output());
            assertEquals(List.of(), mesh.recordedPids(), "no instance is left recorded");
            assertFalse(Mesh.portInUse(first), "instance 0 stopped");
        }
    }

    @Test
    void scaledMediaRunsTwoNodesAndNewSfuRoomsGoToTheLeastLoaded() throws Exception {
        try (Mesh mesh = new Mesh()) {
            Mesh.Result up = mesh.run("up", "-d", "--scale", "media=2", "signaling", "media");
            assertEquals(0, up.exitCode(), "./icemesh up -d --scale media=2 signaling media failed:\n" + up.output());
            int media0 = mesh.ports.get("media");
            int media1 = media0 + 100;
            Mesh.Result status = mesh.run("status");
            List<String> lines = status.output().lines().toList();
            assertTrue(lines.stream().anyMatch(l -> l.matches("media\\s+running\\s+\\d+\\s+" + media0 + "\\s+ready")),
                    status.output());
            assertTrue(lines.stream().anyMatch(l -> l.matches("media-1\\s+running\\s+\\d+\\s+" + media1
                    + "\\s+ready")), status.output());

            int signaling = mesh.ports.get("signaling");
            // Two SFU rooms joined one after the other: the second goes to the node the first did not take.
            try (Client a = Client.connect(signaling); Client b = Client.connect(signaling)) {
                a.join(token(signaling, "scaled-media-a-" + System.nanoTime(), "sfu"));
                b.join(token(signaling, "scaled-media-b-" + System.nanoTime(), "sfu"));
                assertEquals(1.0, Mesh.mediaEndpoints(media0), "node 0 holds one endpoint");
                assertEquals(1.0, Mesh.mediaEndpoints(media1), "node 1 holds the other");
            }
            Mesh.Result down = mesh.run("down");
            assertEquals(0, down.exitCode(), down.output());
            assertEquals(List.of(), mesh.recordedPids(), "no instance is left recorded");
            assertFalse(Mesh.portInUse(media1), "media instance 1 stopped");
        }
    }

    private static String token(int port, String room) throws Exception {
        return token(port, room, "p2p");
    }

    private static String token(int port, String room, String mode) throws Exception {
        HttpResponse<String> reply = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/api/dev/token"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"room\":\"" + room + "\",\"user\":\"mesh\",\"mode\":\""
                        + mode + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, reply.statusCode(), reply.body());
        return JSON.readTree(reply.body()).get("token").asText();
    }

    /** A WebSocket client that queues what it receives. */
    private static final class Client implements AutoCloseable {
        private final BlockingQueue<JsonNode> received = new LinkedBlockingQueue<>();
        private final java.util.concurrent.CompletableFuture<Void> closed = new java.util.concurrent.CompletableFuture<>();
        private final WebSocket ws;

        private Client(int port) throws Exception {
            ws = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + port
                    + "/ws"), new WebSocket.Listener() {
                        private final StringBuilder partial = new StringBuilder();

                        @Override
                        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                            partial.append(data);
                            if (last) {
                                try {
                                    received.add(JSON.readTree(partial.toString()));
                                } catch (Exception e) {
                                    throw new IllegalStateException(e);
                                }
                                partial.setLength(0);
                            }
                            w.request(1);
                            return null;
                        }

                        @Override
                        public CompletionStage<?> onClose(WebSocket w, int code, String reason) {
                            closed.complete(null);
                            return null;
                        }

                        @Override
                        public void onError(WebSocket w, Throwable error) {
                            closed.complete(null);
                        }
                    }).get(10, TimeUnit.SECONDS);
        }

        static Client connect(int port) throws Exception {
            return new Client(port);
        }

        void send(String text) throws Exception {
            ws.sendText(text, true).get(10, TimeUnit.SECONDS);
        }

        JsonNode join(String token) throws Exception {
            send("{\"type\":\"join\",\"token\":\"" + token + "\"}");
            return next("joined");
        }

        JsonNode next(String type) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (System.nanoTime() < deadline) {
                JsonNode msg = received.poll(200, TimeUnit.MILLISECONDS);
                if (msg != null && type.equals(msg.path("type").asText())) {
                    return msg;
                }
            }
            throw new AssertionError("no \"" + type + "\" within 15 s");
        }

        void awaitClosed() throws Exception {
            closed.get(30, TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            ws.abort();
        }
    }
}
