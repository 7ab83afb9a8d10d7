import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Relay latency and join rate of signaling, on one instance or spread over several (./icemesh up --scale
 * signaling=N). Opens rooms of two; in each room peer A sends offers to peer B, one at a time, and B's receipt time
 * minus A's send time (one JVM, one clock) is the relay latency. {@code same}: both peers on the first port;
 * {@code cross}: A on port i, B on port i+1 (mod the number of ports), so every relay crosses instances.
 *
 *   java bench/RelayLatency.java <jwtSecretFile> <same|cross> <rooms> <offersPerRoom> <port>...
 *   RELAY_EARLY=1 java bench/RelayLatency.java ...    both peers ask for early relay (docs/signaling-protocol.md):
 *                                                    same-instance offers are timed by their early copy
 *
 * Prints one Markdown row: instances, placement, sessions, join rate (/s), relay p50/p90/p99 (ms).
 */
public class RelayLatency {

    private static final Pattern PEER_ID = Pattern.compile("\"peerId\":\"([^\"]+)\"");
    /** Both peers ask for early relay; B then gets each offer twice (early, then the room log's copy). */
    private static final boolean EARLY = "1".equals(System.getenv("RELAY_EARLY"));
    private static final Pattern SENT_AT = Pattern.compile("\"sdp\":\"v=0 sent=(\\d+)\"");

    public static void main(String[] args) throws Exception {
        String secret = Files.readString(Path.of(args[0])).trim();
        boolean cross = "cross".equals(args[1]);
        int rooms = Integer.parseInt(args[2]);
        int offers = Integer.parseInt(args[3]);
        List<Integer> ports = new ArrayList<>();
        for (int i = 4; i < args.length; i++) {
            ports.add(Integer.parseInt(args[i]));
        }
        HttpClient http = HttpClient.newHttpClient();
        String run = Long.toString(System.nanoTime(), 36);
        List<Peer> as = new ArrayList<>();
        List<Peer> bs = new ArrayList<>();
        long start = System.nanoTime();
        for (int r = 0; r < rooms; r++) {
            int aPort = cross ? ports.get(r % ports.size()) : ports.get(0);
            int bPort = cross ? ports.get((r + 1) % ports.size()) : ports.get(0);
            String room = "relay-" + run + "-" + r;
            as.add(Peer.join(http, aPort, token(secret, room, "a" + r + "-" + run)));
            bs.add(Peer.join(http, bPort, token(secret, room, "b" + r + "-" + run)));
        }
        for (int r = 0; r < rooms; r++) {
            as.get(r).awaitType("joined");
            bs.get(r).awaitType("joined");
        }
        double joinRate = 2.0 * rooms / ((System.nanoTime() - start) / 1e9);
        List<Double> ms = new ArrayList<>();
        for (int r = 0; r < rooms; r++) {
            Peer a = as.get(r);
            Peer b = bs.get(r);
            String bId = b.peerId;
            for (int i = 0; i < offers; i++) {
                a.ws.sendText("{\"type\":\"offer\",\"to\":\"" + bId + "\",\"sdp\":\"v=0 sent=" + System.nanoTime()
                        + "\"}", true).get(10, TimeUnit.SECONDS);
                String got = b.awaitType("offer");
                long received = b.lastAt;
                if (EARLY && !got.contains("\"seq\"")) {
                    b.awaitType("offer"); // the room log's numbered copy of the same relay
                }
                Matcher m = SENT_AT.matcher(got);
                if (!m.find()) {
                    throw new IllegalStateException("unexpected offer " + got);
                }
                ms.add((received - Long.parseLong(m.group(1))) / 1e6);
            }
        }
        Collections.sort(ms);
        System.out.printf("| %d | %s | %d | %.0f | %.2f | %.2f | %.2f |%n", ports.size(), cross ? "cross" : "same",
                2 * rooms, joinRate, pct(ms, 50), pct(ms, 90), pct(ms, 99));
        for (int r = 0; r < rooms; r++) {
            as.get(r).ws.abort();
            bs.get(r).ws.abort();
        }
    }

    /** A room token (HS256), as an application backend mints it (the same as WsLoad's). */
    static String token(String secret, String room, String sid) throws Exception {
        long now = System.currentTimeMillis() / 1000;
        java.util.Base64.Encoder b64 = java.util.Base64.getUrlEncoder().withoutPadding();
        String claims = "{\"iss\":\"icemesh\",\"sub\":\"bench\",\"room\":\"" + room + "\",\"sid\":\"" + sid
                + "\",\"iat\":" + now + ",\"exp\":" + (now + 3600) + "}";
        String input = b64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes())
                + "." + b64.encodeToString(claims.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(secret.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                "HmacSHA256"));
        return input + "." + b64.encodeToString(mac.doFinal(input.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
    }

    static double pct(List<Double> sorted, int p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }

    /** One session: its socket, what it received (with the receipt time of the latest), its peer id. */
    static final class Peer {
        final BlockingQueue<String> inbox = new LinkedBlockingQueue<>();
        final BlockingQueue<Long> times = new LinkedBlockingQueue<>();
        WebSocket ws;
        String peerId;
        long lastAt;

        static Peer join(HttpClient http, int port, String token) throws Exception {
            Peer p = new Peer();
            p.ws = http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws"),
                    new WebSocket.Listener() {
                        private final StringBuilder partial = new StringBuilder();

                        @Override
                        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                            long at = System.nanoTime();
                            partial.append(data);
                            if (last) {
                                p.times.add(at);
                                p.inbox.add(partial.toString());
                                partial.setLength(0);
                            }
                            w.request(1);
                            return null;
                        }
                    }).get(10, TimeUnit.SECONDS);
            p.ws.sendText("{\"type\":\"join\",\"token\":\"" + token + "\"" + (EARLY ? ",\"earlyRelay\":true" : "")
                    + "}", true).get(10, TimeUnit.SECONDS);
            return p;
        }

        String awaitType(String type) throws InterruptedException {
            while (true) {
                String msg = inbox.poll(30, TimeUnit.SECONDS);
                Long at = times.poll();
                if (msg == null) {
                    throw new IllegalStateException("no " + type + " within 30 s");
                }
                if (msg.contains("\"type\":\"error\"")) {
                    throw new IllegalStateException("signaling refused: " + msg);
                }
                if (msg.contains("\"type\":\"" + type + "\"")) {
                    lastAt = at;
                    if ("joined".equals(type)) {
                        Matcher m = PEER_ID.matcher(msg);
                        m.find();
                        peerId = m.group(1);
                    }
                    return msg;
                }
            }
        }
    }
}
