package io.icemesh.loadgen;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The SFU load generator: K rooms of one publisher and M subscribers on media-service (through icemesh signaling) or
 * on Janus's videoroom, every participant a real WebRTC endpoint (ICE, DTLS 1.2, SRTP, RTCP), loopback only.
 *
 * <pre>
 *   java -jar loadgen/target/icemesh-loadgen.jar --server icemesh --url http://127.0.0.1:8080 --clip CLIP \
 *       --rooms 1 --subscribers 50 [--server-pid PID [--server-heap]] [--warmup 5] [--duration 10] [--reactors 1]
 *   java -jar loadgen/target/icemesh-loadgen.jar --server janus --url ws://127.0.0.1:8188 --clip CLIP ...
 * </pre>
 *
 * Publishers join first; when each is connected its subscribers join all at once. Once every subscriber has a whole
 * frame (after a keyframe), the tool waits --warmup seconds, then measures --duration seconds: what subscribers
 * received (packets, Mbit/s, frames, sequence gaps), its own CPU time and the server's (/proc/PID/stat with
 * --server-pid). Prints one JSON object; exits with 1 when a participant failed.
 */
public final class LoadGen {

    /** The run's settings. */
    public static final class Options {
        public String server = "icemesh";
        public String url = "http://127.0.0.1:8080";
        public Path clip;
        public int rooms = 1;
        public int subscribers = 2;
        public int reactors = 1;
        public double warmupSeconds = 5;
        public double durationSeconds = 10;
        public long serverPid;
        /** After the window: a full GC of the server's JVM and its heap in use then (jcmd GC.run, GC.heap_info). */
        public boolean serverHeap;
        public double readySeconds = 120;
        public String roomPrefix = "lg" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xFFFFFFL);

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String v = i + 1 < args.length ? args[i + 1] : null;
                switch (args[i]) {
                    case "--server": o.server = v; break;
                    case "--url": o.url = v; break;
                    case "--clip": o.clip = Path.of(v); break;
                    case "--rooms": o.rooms = Integer.parseInt(v); break;
                    case "--subscribers": o.subscribers = Integer.parseInt(v); break;
                    case "--reactors": o.reactors = Integer.parseInt(v); break;
                    case "--warmup": o.warmupSeconds = Double.parseDouble(v); break;
                    case "--duration": o.durationSeconds = Double.parseDouble(v); break;
                    case "--server-pid": o.serverPid = Long.parseLong(v); break;
                    case "--server-heap": o.serverHeap = true; i--; break;
                    case "--ready-timeout": o.readySeconds = Double.parseDouble(v); break;
                    default: throw new IllegalArgumentException("unknown option " + args[i]);
                }
                i++;
            }
            if (o.clip == null) {
                throw new IllegalArgumentException("--clip is required (bench/sfu/vp8clip.py makes one)");
            }
            if (!"icemesh".equals(o.server) && !"janus".equals(o.server)) {
                throw new IllegalArgumentException("--server is icemesh or janus");
            }
            return o;
        }
    }

    private LoadGen() {
    }

    public static void main(String[] args) throws Exception {
        // jitsi-srtp reports its AES benchmark at INFO on java.util.logging; the tool prints only its JSON line
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        Options o;
        try {
            o = Options.parse(args);
        } catch (RuntimeException e) {
            System.err.println("loadgen: " + e.getMessage());
            System.exit(2);
            return;
        }
        ObjectNode result = run(o);
        System.out.println(result.toString());
        System.exit(result.path("failed").asInt() == 0 ? 0 : 1);
    }

    /** Runs one measurement and returns its result (see the class comment). */
    public static ObjectNode run(Options o) throws Exception {
        Clip clip = Clip.load(o.clip);
        Dtls.Identity identity = Dtls.Identity.generate();
        Stats stats = new Stats();
        List<Reactor> reactors = new ArrayList<>();
        for (int i = 0; i < o.reactors; i++) {
            reactors.add(new Reactor("reactor-" + i));
        }
        List<Participant> publishers = new ArrayList<>();
        List<Participant> subscribers = Collections.synchronizedList(new ArrayList<>());
        ExecutorService joins = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "join");
            t.setDaemon(true);
            return t;
        });
        int next = 0;
        long start = System.nanoTime();
        ObjectNode out = Ws.JSON.createObjectNode();
        out.put("server", o.server).put("rooms", o.rooms).put("subscribers_per_room", o.subscribers)
                .put("clip_kbps", clip.bitrate() / 1000);
        try {
            for (int r = 0; r < o.rooms; r++) {
                Endpoint e = new Endpoint("pub" + r, Endpoint.Role.PUBLISHER, reactors.get(next++ % reactors.size()),
                        identity, clip, stats);
                publishers.add(participant(o, r, "pub" + r, e, null));
            }
            List<Future<?>> pending = new ArrayList<>();
            for (Participant p : publishers) {
                pending.add(joins.submit(() -> {
                    p.join();
                    return null;
                }));
            }
            for (Future<?> f : pending) {
                f.get(60, TimeUnit.SECONDS);
            }
            await(publishers, o.readySeconds, Endpoint::connected, "publishers connected");
            long subscribeStart = System.nanoTime();
            pending.clear();
            for (int r = 0; r < o.rooms; r++) {
                for (int s = 0; s < o.subscribers; s++) {
                    String name = "sub" + r + "-" + s;
                    Endpoint e = new Endpoint(name, Endpoint.Role.SUBSCRIBER, reactors.get(next++ % reactors.size()),
                            identity, clip, stats);
                    e.receivesFrom(publishers.get(r).endpoint());
                    Participant p = participant(o, r, name, e, publishers.get(r));
                    subscribers.add(p);
                    pending.add(joins.submit(() -> {
                        p.join();
                        return null;
                    }));
                }
            }
            for (Future<?> f : pending) {
                f.get((long) o.readySeconds, TimeUnit.SECONDS);
            }
            await(subscribers, o.readySeconds, e -> !e.streams().isEmpty()
                    && e.streams().values().stream().anyMatch(s -> s.firstFrameAt != 0), "subscribers' first frames");
            long ready = System.nanoTime();
            joinStats(out, subscribers, subscribeStart, ready);
            sleep(o.warmupSeconds);
            Sample before = Sample.take(stats, o.serverPid, subscribers);
            long[] latencyBefore = stats.latencySnapshot();
            long unmatchedBefore = stats.latencyUnmatched.sum();
            sleep(o.durationSeconds);
            Sample after = Sample.take(stats, o.serverPid, subscribers);
            long[] latencyAfter = stats.latencySnapshot();
            ObjectNode latency = out.putObject("latency_ms");
            for (double q : new double[] {0.5, 0.99, 0.999}) {
                latency.put(q == 0.5 ? "p50" : q == 0.99 ? "p99" : "p999",
                        Stats.quantileMillis(latencyBefore, latencyAfter, q));
            }
            latency.put("unmatched", stats.latencyUnmatched.sum() - unmatchedBefore);
            after.subscribersPerRoom = o.subscribers;
            after.report(out, before);
            out.put("min_frames", minFrames(subscribers));
            int endpoints = publishers.size() + subscribers.size();
            out.put("endpoints", endpoints);
            if (o.serverHeap && o.serverPid > 0) {
                long heap = heapAfterGc(o.serverPid);
                out.put("server_heap_mb", heap / 1024);
            }
            out.put("setup_s", round((ready - start) / 1e9));
        } catch (Exception e) {
            out.put("error", e.toString());
        } finally {
            int failed = 0;
            ArrayList<Participant> all = new ArrayList<>(publishers);
            all.addAll(subscribers);
            for (Participant p : all) {
                if (p.endpoint().failure() != null) {
                    failed++;
                    if (!out.has("first_failure")) {
                        out.put("first_failure", p.endpoint().name + ": " + p.endpoint().failure());
                    }
                }
            }
            if (out.has("error") && failed == 0) {
                failed = 1;
            }
            out.put("failed", failed);
            // the whole run's totals, set-up included (the window's own are in "window")
            ObjectNode totals = out.putObject("run");
            stats.counters().forEach((name, counter) -> totals.put(name, counter.sum()));
            StreamCounts.of(subscribers).put(totals);
            out.put("auth_failures", stats.authFailures.sum());
            for (Participant p : all) {
                try {
                    p.leave();
                } catch (RuntimeException e) {
                    // leaving anyway
                }
            }
            joins.shutdownNow();
            Thread.sleep(200);
            for (Reactor r : reactors) {
                r.stop();
            }
        }
        return out;
    }

    private static Participant participant(Options o, int room, String name, Endpoint e, Participant publisher) {
        if ("icemesh".equals(o.server)) {
            return new IcemeshParticipant(o.url, o.roomPrefix + "-" + room, name, e);
        }
        long janusRoom = (Long.parseLong(o.roomPrefix.substring(2), 16) % 1_000_000L) * 1000 + room;
        return new JanusParticipant(o.url, janusRoom, name, e, (JanusParticipant) publisher);
    }

    private static void await(List<Participant> ps, double seconds, java.util.function.Predicate<Endpoint> done,
            String what) throws InterruptedException {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        while (true) {
            int waiting = 0;
            for (Participant p : List.copyOf(ps)) {
                Endpoint e = p.endpoint();
                if (e.failure() != null) {
                    throw new IllegalStateException(e.name + ": " + e.failure());
                }
                if (!done.test(e)) {
                    waiting++;
                }
            }
            if (waiting == 0) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(waiting + " of " + ps.size() + " not ready: " + what);
            }
            Thread.sleep(20);
        }
    }

    /** The fewest frames any subscriber has received from its publisher so far. */
    private static long minFrames(List<Participant> subscribers) {
        long min = Long.MAX_VALUE;
        for (Participant p : subscribers) {
            long frames = 0;
            for (Endpoint.Stream s : List.copyOf(p.endpoint().streams().values())) {
                frames += s.frames;
            }
            min = Math.min(min, frames);
        }
        return subscribers.isEmpty() ? 0 : min;
    }

    /** Subscribers' stream counters summed (each monotonic), or their growth between two such sums. */
    private record StreamCounts(long gaps, long recovered, long duplicates, long tooLate) {
        static StreamCounts of(List<Participant> subscribers) {
            long gaps = 0;
            long recovered = 0;
            long duplicates = 0;
            long tooLate = 0;
            for (Participant p : List.copyOf(subscribers)) {
                // read on another thread: each counter has one writer, so a racy view is still monotonic
                for (Endpoint.Stream s : List.copyOf(p.endpoint().streams().values())) {
                    gaps += s.gaps;
                    recovered += s.recovered;
                    duplicates += s.duplicates;
                    tooLate += s.tooLate;
                }
            }
            return new StreamCounts(gaps, recovered, duplicates, tooLate);
        }

        StreamCounts minus(StreamCounts before) {
            return new StreamCounts(gaps - before.gaps, recovered - before.recovered,
                    duplicates - before.duplicates, tooLate - before.tooLate);
        }

        void put(ObjectNode out) {
            out.put("gaps", gaps).put("recovered", recovered).put("duplicates", duplicates).put("too_late", tooLate);
        }
    }

    private static void joinStats(ObjectNode out, List<Participant> subscribers, long start, long ready) {
        List<Long> ice = new ArrayList<>();
        List<Long> dtls = new ArrayList<>();
        List<Long> frame = new ArrayList<>();
        long lastDtls = 0;
        for (Participant p : subscribers) {
            Endpoint e = p.endpoint();
            ice.add(e.iceAt - e.createdAt);
            dtls.add(e.dtlsAt - e.createdAt);
            lastDtls = Math.max(lastDtls, e.dtlsAt);
            long first = Long.MAX_VALUE;
            for (Endpoint.Stream s : List.copyOf(e.streams().values())) {
                if (s.firstFrameAt != 0) {
                    first = Math.min(first, s.firstFrameAt);
                }
            }
            frame.add(first - e.createdAt);
        }
        ObjectNode j = out.putObject("join_ms");
        percentiles(j.putObject("ice_connected"), ice);
        percentiles(j.putObject("dtls_done"), dtls);
        percentiles(j.putObject("first_frame"), frame);
        out.put("handshakes_per_s", round(subscribers.size() / ((lastDtls - start) / 1e9)));
        out.put("all_first_frames_s", round((ready - start) / 1e9));
    }

    private static void percentiles(ObjectNode o, List<Long> nanos) {
        List<Long> s = new ArrayList<>(nanos);
        Collections.sort(s);
        o.put("p50", round(s.get(s.size() / 2) / 1e6));
        o.put("p95", round(s.get(Math.min(s.size() - 1, (int) Math.ceil(s.size() * 0.95) - 1)) / 1e6));
        o.put("max", round(s.get(s.size() - 1) / 1e6));
    }

    static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private static void sleep(double seconds) throws InterruptedException {
        Thread.sleep((long) (seconds * 1000));
    }

    /** Counters and CPU times at one instant. */
    private static final class Sample {
        final long at = System.nanoTime();
        long packets;
        long bytes;
        long frames;
        long sentBytes;
        long sentPackets;
        int subscribersPerRoom;
        double toolCpu;
        double serverCpu;
        long serverRssKb;
        long udpRcvbufErrors;
        StreamCounts streams;
        java.util.Map<String, Long> counters = new java.util.LinkedHashMap<>();

        static Sample take(Stats stats, long serverPid, List<Participant> subscribers) throws IOException {
            Sample s = new Sample();
            s.streams = StreamCounts.of(subscribers);
            stats.counters().forEach((name, counter) -> s.counters.put(name, counter.sum()));
            s.packets = stats.packets.sum();
            s.bytes = stats.bytes.sum();
            s.frames = stats.frames.sum();
            s.sentBytes = stats.sentBytes.sum();
            s.sentPackets = stats.sentPackets.sum();
            s.toolCpu = cpuSeconds("self");
            s.udpRcvbufErrors = udpRcvbufErrors();
            if (serverPid > 0) {
                s.serverCpu = cpuSeconds(Long.toString(serverPid));
                for (String line : Files.readAllLines(Path.of("/proc/" + serverPid + "/status"))) {
                    if (line.startsWith("VmRSS:")) {
                        s.serverRssKb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    }
                }
            }
            return s;
        }

        void report(ObjectNode out, Sample before) {
            double seconds = (at - before.at) / 1e9;
            double mbps = (bytes - before.bytes) * 8 / seconds / 1e6;
            long packets = this.packets - before.packets;
            StreamCounts window = streams.minus(before.streams);
            // gaps opened in the window less the gaps recovered in it: a gap opened just before the window and
            // recovered in it (or opened at its end and recovered after) shifts this by one NACK round trip's worth
            long lost = Math.max(0, window.gaps() - window.recovered());
            out.put("seconds", round(seconds));
            out.put("received_mbps", round(mbps));
            out.put("received_pps", Math.round(packets / seconds));
            out.put("sent_mbps", round((sentBytes - before.sentBytes) * 8 / seconds / 1e6));
            out.put("frames_per_s", round((frames - before.frames) / seconds));
            out.put("gaps", window.gaps());
            out.put("recovered", window.recovered());
            out.put("lost", lost);
            out.put("loss_pct", packets + lost == 0 ? 0 : round3(100.0 * lost / (packets + lost)));
            long sent = sentPackets - before.sentPackets;
            out.put("delivery_ratio", sent == 0 ? 0 : round3((double) packets / (sent * subscribersPerRoom)));
            out.put("tool_cores", round3((toolCpu - before.toolCpu) / seconds));
            // machine-wide: datagrams the kernel dropped because a socket's receive buffer was full (any socket)
            out.put("udp_rcvbuf_errors", udpRcvbufErrors - before.udpRcvbufErrors);
            ObjectNode counted = out.putObject("window");
            counters.forEach((name, value) -> counted.put(name, value - before.counters.get(name)));
            counted.put("duplicates", window.duplicates()).put("too_late", window.tooLate());
            if (serverCpu > 0) {
                double cores = (serverCpu - before.serverCpu) / seconds;
                out.put("server_cores", round3(cores));
                out.put("mbps_per_server_core", cores > 0 ? round(mbps / cores) : 0);
                out.put("server_rss_mb", serverRssKb / 1024);
            }
        }
    }

    /** KiB of the JVM's heap in use right after a full GC (jcmd from this JDK). */
    static long heapAfterGc(long pid) throws IOException, InterruptedException {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        run(jcmd, Long.toString(pid), "GC.run");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("used (\\d+)K")
                .matcher(run(jcmd, Long.toString(pid), "GC.heap_info"));
        if (!m.find()) {
            throw new IOException("jcmd GC.heap_info: no 'used' figure");
        }
        return Long.parseLong(m.group(1));
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + output);
        }
        return output;
    }

    private static final long CLK_TCK = 100;

    /** Udp RcvbufErrors of /proc/net/snmp: datagrams dropped for a full receive buffer, on any socket. */
    static long udpRcvbufErrors() throws IOException {
        String[] names = null;
        for (String line : Files.readAllLines(Path.of("/proc/net/snmp"))) {
            if (line.startsWith("Udp:")) {
                String[] f = line.trim().split("\\s+");
                if (names == null) {
                    names = f;
                } else {
                    for (int i = 1; i < f.length && i < names.length; i++) {
                        if ("RcvbufErrors".equals(names[i])) {
                            return Long.parseLong(f[i]);
                        }
                    }
                }
            }
        }
        return -1;
    }

    /** utime + stime of a process (/proc/PID/stat fields 14 and 15), in seconds. */
    static double cpuSeconds(String pid) throws IOException {
        String stat = String.join(" ", Files.readAllLines(Path.of("/proc/" + pid + "/stat")));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / (double) CLK_TCK;
    }
}
