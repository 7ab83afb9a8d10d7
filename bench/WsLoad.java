import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Holds N signaling sessions open (rooms of two, each joined with its own room token) and reports what one
 * signaling-service instance spends on them: heap after a full GC, and process RSS, before and after.
 *
 *   java bench/WsLoad.java <signalingPort> <signalingPid> <jwtSecretFile> [--replica PORT:PID] <sessions>...
 */
public class WsLoad {

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        long pid = Long.parseLong(args[1]);
        String secret = Files.readString(Path.of(args[2])).trim();
        int first = 3;
        // --replica PORT:PID: another signaling instance on the same room log, which holds every room's state but
        // none of these sockets; its heap and RSS are measured beside the instance that holds them.
        int replicaPort = -1;
        long replicaPid = -1;
        if (args.length > first + 1 && args[first].equals("--replica")) {
            String[] pp = args[first + 1].split(":");
            replicaPort = Integer.parseInt(pp[0]);
            replicaPid = Long.parseLong(pp[1]);
            first += 2;
        }
        HttpClient http = HttpClient.newHttpClient();
        List<WebSocket> open = new ArrayList<>();
        System.out.println("| sessions held | heap after GC (MiB) | RSS (MiB) | heap per session (KiB) | RSS per session (KiB) | join rate (/s) |"
                + (replicaPid > 0 ? " replica heap (MiB) | replica RSS (MiB) | replica heap per session (KiB) | sessions in replica's state |" : ""));
        System.out.println("|---|---|---|---|---|---|" + (replicaPid > 0 ? "---|---|---|---|" : ""));
        double heap0 = heapAfterGc(http, port, pid);
        double rss0 = rssMiB(pid);
        double replicaHeap0 = replicaPid > 0 ? heapAfterGc(http, replicaPort, replicaPid) : 0;
        double replicaRss0 = replicaPid > 0 ? rssMiB(replicaPid) : 0;
        System.out.printf("| 0 | %.1f | %.1f | | | |%s%n", heap0, rss0,
                replicaPid > 0 ? String.format(" %.1f | %.1f | | |", replicaHeap0, replicaRss0) : "");
        for (int i = first; i < args.length; i++) {
            int target = Integer.parseInt(args[i]);
            int add = target - open.size();
            long start = System.nanoTime();
            open.addAll(openSessions(http, port, secret, open.size(), add));
            double seconds = (System.nanoTime() - start) / 1e9;
            double heap = heapAfterGc(http, port, pid);
            double rss = rssMiB(pid);
            String replica = "";
            if (replicaPid > 0) {
                double rh = heapAfterGc(http, replicaPort, replicaPid);
                replica = String.format(" %.1f | %.1f | %.2f | %.0f |", rh, rssMiB(replicaPid),
                        (rh - replicaHeap0) * 1024 / open.size(), gauge(http, replicaPort, "icemesh_signaling_peers"));
            }
            System.out.printf("| %d | %.1f | %.1f | %.2f | %.2f | %.0f |%s%n", open.size(), heap, rss,
                    (heap - heap0) * 1024 / open.size(), (rss - rss0) * 1024 / open.size(), add / seconds, replica);
        }
        for (WebSocket ws : open) {
            ws.abort();
        }
    }

    static List<WebSocket> openSessions(HttpClient http, int port, String secret, int offset, int count)
            throws Exception {
        List<WebSocket> out = new ArrayList<>();
        CountDownLatch joined = new CountDownLatch(count);
        AtomicInteger failed = new AtomicInteger();
        int batch = 200;
        for (int done = 0; done < count; done += batch) {
            List<CompletableFuture<WebSocket>> pending = new ArrayList<>();
            for (int i = done; i < Math.min(count, done + batch); i++) {
                int n = offset + i;
                String token = token(secret, "load-" + (n / 2), "s" + n + "-loadtest");
                pending.add(http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws"),
                        new WebSocket.Listener() {
                            @Override
                            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                                String s = data.toString();
                                if (s.contains("\"type\":\"joined\"")) {
                                    joined.countDown();
                                } else if (s.contains("\"type\":\"error\"")) {
                                    if (failed.incrementAndGet() <= 3) {
                                        System.err.println("join refused: " + s);
                                    }
                                    joined.countDown();
                                }
                                ws.request(1);
                                return null;
                            }
                        }).thenCompose(ws -> ws.sendText("{\"type\":\"join\",\"token\":\"" + token + "\"}", true)));
            }
            for (CompletableFuture<WebSocket> f : pending) {
                out.add(f.get(60, TimeUnit.SECONDS));
            }
        }
        if (!joined.await(120, TimeUnit.SECONDS) || failed.get() > 0) {
            throw new IllegalStateException("joins failed: " + failed.get() + ", unanswered " + joined.getCount());
        }
        return out;
    }

    static String token(String secret, String room, String sid) throws Exception {
        long now = System.currentTimeMillis() / 1000;
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String claims = "{\"iss\":\"icemesh\",\"sub\":\"load\",\"room\":\"" + room + "\",\"sid\":\"" + sid
                + "\",\"iat\":" + now + ",\"exp\":" + (now + 3600) + "}";
        String input = b64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8))
                + "." + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return input + "." + b64.encodeToString(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
    }

    /** Heap in use (MiB) after asking the JVM for a full GC with jcmd. */
    static double heapAfterGc(HttpClient http, int port, long pid) throws Exception {
        new ProcessBuilder("jcmd", Long.toString(pid), "GC.run").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(30, TimeUnit.SECONDS);
        String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("(?m)^jvm_memory_used_bytes\\{area=\"heap\",id=\"[^\"]+\"\\} (\\S+)$")
                .matcher(metrics);
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
        }
        return sum / (1024 * 1024);
    }

    /** A gauge's value from an instance's /q/metrics. */
    static double gauge(HttpClient http, int port, String name) throws Exception {
        String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("(?m)^" + name + "(\\{[^}]*\\})? (\\S+)$").matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(2)) : -1;
    }

    static double rssMiB(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D+", "")) / 1024.0;
            }
        }
        throw new IllegalStateException("no VmRSS for pid " + pid);
    }
}
