package io.icemesh.monitor.bench;

import io.icemesh.broker.KafkaBroker;
import io.icemesh.events.v1.EventSchema;
import io.icemesh.events.v1.EventSerializer;
import io.icemesh.events.v1.EventSource;
import io.icemesh.events.v1.SessionEvent;
import io.icemesh.events.v1.SessionEventType;
import io.icemesh.events.v1.Topics;
import io.icemesh.events.v1.TurnEvent;
import io.icemesh.events.v1.TurnEventType;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Load generator, not a test: how many events per second one monitor-service ingests with timelines joined, and
 * the delay from an event to its metric. Starts a real Kafka broker in this JVM, writes a backlog of realistic
 * sessions (8 session events each, and TURN events for every fourth), then starts the packaged monitor-service
 * ({@code target/quarkus-app/quarkus-run.jar}) as its own process and times how fast its counters reach the
 * backlog's size. Then it sends single events and times each until /q/metrics shows it. Run it with
 * {@code monitor-service/bench/ingest.sh [sessions] [delay samples]}; prints a Markdown table.
 */
public final class IngestBenchmark {

    private static final int DEFAULT_SESSIONS = 50_000;
    private static final int DEFAULT_DELAY_SAMPLES = 200;
    private static final int SESSION_EVENTS_PER_SESSION = 8;
    private static final int TURN_SESSION_EVERY = 4;
    private static final int TURN_EVENTS_PER_TURN_SESSION = 2;
    private static final long POLL_MILLIS = 100;
    private static final long READY_TIMEOUT_MILLIS = 120_000;
    private static final long INGEST_TIMEOUT_MILLIS = 600_000;
    private static final Pattern SAMPLE = Pattern.compile("(?m)^([a-z_]+)(\\{[^}]*})? ([0-9.eE+-]+)$");

    private final HttpClient http = HttpClient.newHttpClient();
    private final EventSerializer serializer = new EventSerializer();
    private String metricsUrl;

    private IngestBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int sessions = args.length > 0 ? Integer.parseInt(args[0]) : DEFAULT_SESSIONS;
        int samples = args.length > 1 ? Integer.parseInt(args[1]) : DEFAULT_DELAY_SAMPLES;
        new IngestBenchmark().run(sessions, samples);
        System.exit(0);
    }

    private void run(int sessions, int samples) throws Exception {
        Path jar = Path.of("target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("build monitor-service first (mvn -pl monitor-service package): " + jar);
        }
        try (KafkaBroker broker = KafkaBroker.ephemeral().start();
                KafkaProducer<String, byte[]> producer = producer(broker.bootstrapServers())) {
            long expected = writeBacklog(producer, sessions);
            int port = KafkaBroker.freePort();
            metricsUrl = "http://127.0.0.1:" + port + "/q/metrics";
            Path log = Files.createTempFile("monitor-bench", ".log");
            Process monitor = new ProcessBuilder("java", "-Xmx512m",
                    "-Dkafka.bootstrap.servers=" + broker.bootstrapServers(), "-Dquarkus.http.port=" + port,
                    "-Dquarkus.log.console.json.enabled=false", "-Dicemesh.monitor.probe.enabled=false",
                    "-Dicemesh.monitor.timelines.max-sessions=" + (sessions + samples), "-jar", jar.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                ingest(sessions, expected, monitor, log);
                delay(producer, samples);
            } finally {
                monitor.destroy();
                if (!monitor.waitFor(30, TimeUnit.SECONDS)) {
                    monitor.destroyForcibly();
                }
            }
        }
    }

    private long writeBacklog(KafkaProducer<String, byte[]> producer, int sessions) {
        long start = System.nanoTime();
        long base = System.currentTimeMillis();
        long records = 0;
        for (int i = 0; i < sessions; i++) {
            String id = "bench-" + i;
            for (SessionEvent e : session(id, base)) {
                producer.send(new ProducerRecord<>(Topics.SESSION_EVENTS, id, serializer.serialize("", e)));
                records++;
            }
            if (i % TURN_SESSION_EVERY == 0) {
                String username = (base / 1000 + 3600) + ":" + id;
                producer.send(new ProducerRecord<>(Topics.TURN_EVENTS, "a-" + i, serializer.serialize("",
                        turn(TurnEventType.ALLOCATION_CREATED, "a-" + i, username, null, base))));
                producer.send(new ProducerRecord<>(Topics.TURN_EVENTS, "a-" + i, serializer.serialize("",
                        turn(TurnEventType.TRAFFIC, "a-" + i, username, 100_000L, base))));
                records += TURN_EVENTS_PER_TURN_SESSION;
            }
        }
        producer.flush();
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "backlog: %d sessions, %d records written in %.1f s%n", sessions, records,
                seconds);
        return records;
    }

    private void ingest(int sessions, long expected, Process monitor, Path log) throws Exception {
        IngestSampler sampler = new IngestSampler(sessions, expected, monitor, log);
        // One scrape per poll; the sampler itself enforces the start-up and the ingest time limits.
        org.awaitility.Awaitility.await().atMost(Duration.ofMillis(READY_TIMEOUT_MILLIS + INGEST_TIMEOUT_MILLIS))
                .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(POLL_MILLIS)).until(sampler::sample);
    }

    /** Scrapes monitor until its event counters reach the backlog, then prints the ingest rate. */
    private final class IngestSampler {
        private final int sessions;
        private final long expected;
        private final Process monitor;
        private final Path log;
        private long deadline = System.currentTimeMillis() + READY_TIMEOUT_MILLIS;
        private long firstSeen;
        private long consumedAtFirst;
        private long last;
        private long previous = -1;

        IngestSampler(int sessions, long expected, Process monitor, Path log) {
            this.sessions = sessions;
            this.expected = expected;
            this.monitor = monitor;
            this.log = log;
        }

        /** One sample; true once every event was consumed. */
        boolean sample() throws Exception {
            if (!monitor.isAlive()) {
                throw new IllegalStateException("monitor-service exited: " + Files.readString(log));
            }
            Map<String, Double> m;
            try {
                m = scrape();
            } catch (ConnectException notYetListening) {
                return false;
            }
            long now = System.nanoTime();
            long consumed = (long) (sum(m, "icemesh_monitor_session_events_total")
                    + sum(m, "icemesh_monitor_turn_events_total"));
            if (consumed > 0 && firstSeen == 0) {
                firstSeen = now;
                consumedAtFirst = consumed;
                deadline = System.currentTimeMillis() + INGEST_TIMEOUT_MILLIS;
            }
            if (consumed != previous) {
                last = now;
                previous = consumed;
            }
            if (consumed >= expected) {
                double seconds = (last - firstSeen) / 1e9;
                long measured = expected - consumedAtFirst;
                System.out.printf(Locale.ROOT, "| ingest (backlog of %d, timelines joined) | %d events in %.2f s "
                        + "between two scrapes | **%.0f events/s** |%n", expected, measured, seconds,
                        measured / seconds);
                System.out.printf(Locale.ROOT, "| sessions measured | connected %.0f of %d, time-to-connected "
                        + "samples %.0f, timelines held %.0f | |%n",
                        sum(m, "icemesh_monitor_sessions_total{outcome=\"connected\"}"), sessions,
                        sum(m, "icemesh_monitor_time_to_connected_seconds_count"),
                        sum(m, "icemesh_monitor_timelines_active"));
                return true;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("ingest stalled at " + consumed + " of " + expected);
            }
            return false;
        }
    }

    private void delay(KafkaProducer<String, byte[]> producer, int samples) throws Exception {
        List<Double> delays = new ArrayList<>();
        List<Double> scrapes = new ArrayList<>();
        String counter = "icemesh_monitor_session_events_total{type=\"ice_state_changed\"}";
        for (int i = 0; i < samples; i++) {
            double before = sum(scrape(), counter);
            String id = "delay-" + i;
            long sent = System.nanoTime();
            producer.send(new ProducerRecord<>(Topics.SESSION_EVENTS, id, serializer.serialize("",
                    SessionEvent.builder(SessionEventType.ICE_STATE_CHANGED, id, EventSource.CLIENT)
                            .state("connected").build())));
            producer.flush();
            while (true) {
                long s = System.nanoTime();
                double now = sum(scrape(), counter);
                long e = System.nanoTime();
                scrapes.add((e - s) / 1e6);
                if (now > before) {
                    delays.add((e - sent) / 1e6);
                    break;
                }
            }
        }
        Collections.sort(delays);
        Collections.sort(scrapes);
        System.out.printf(Locale.ROOT, "| event to metric (send to /q/metrics showing it), %d samples | p50 %.1f ms,"
                + " p95 %.1f ms, max %.1f ms | scrape itself p50 %.1f ms |%n", samples, pct(delays, 0.5),
                pct(delays, 0.95), delays.get(delays.size() - 1), pct(scrapes, 0.5));
        System.out.printf(Locale.ROOT, "load average at the end: %.2f on %d cores%n",
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
                Runtime.getRuntime().availableProcessors());
    }

    private static double pct(List<Double> sorted, double p) {
        return sorted.get(Math.max(0, (int) Math.ceil(p * sorted.size()) - 1));
    }

    private Map<String, Double> scrape() throws IOException, InterruptedException {
        String body = http.send(HttpRequest.newBuilder(URI.create(metricsUrl)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Map<String, Double> samples = new HashMap<>();
        Matcher m = SAMPLE.matcher(body);
        while (m.find()) {
            samples.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(3)));
        }
        return samples;
    }

    /** Sum of the samples whose name (with labels) starts with the prefix. */
    private static double sum(Map<String, Double> samples, String prefix) {
        double s = 0;
        for (Map.Entry<String, Double> e : samples.entrySet()) {
            if (e.getKey().equals(prefix) || e.getKey().startsWith(prefix + "{")) {
                s += e.getValue();
            }
        }
        return s;
    }

    private static List<SessionEvent> session(String id, long base) {
        return List.of(
                ev(id, SessionEventType.GATHERING_STARTED, base, 0).build(),
                ev(id, SessionEventType.CANDIDATE_GATHERED, base, 1).candidateType("host").protocol("udp").build(),
                ev(id, SessionEventType.CANDIDATE_GATHERED, base, 9).candidateType("srflx").protocol("udp")
                        .serverUrl("stun:127.0.0.1:3478").build(),
                ev(id, SessionEventType.GATHERING_COMPLETE, base, 12).build(),
                ev(id, SessionEventType.ICE_STATE_CHANGED, base, 80).state("connected").build(),
                ev(id, SessionEventType.SELECTED_PAIR, base, 81).localCandidateType("host")
                        .remoteCandidateType("srflx").protocol("udp").rttMs(0.4).build(),
                ev(id, SessionEventType.FIRST_MEDIA, base, 130).build(),
                ev(id, SessionEventType.CLOSED, base, 60_000).build());
    }

    private static SessionEvent.Builder ev(String id, SessionEventType type, long base, long elapsed) {
        return SessionEvent.builder(type, id, EventSource.CLIENT).roomId("bench").timestampMs(base + elapsed)
                .elapsedMs(elapsed);
    }

    private static TurnEvent turn(TurnEventType type, String allocation, String username, Long bytes, long ts) {
        return new TurnEvent(EventSchema.VERSION, type, "turn-bench", allocation, username, null, "127.0.0.1:5000",
                "udp", "127.0.0.1:49152", null, null, bytes == null ? null : 100L, bytes, bytes == null ? null : 100L,
                bytes, ts);
    }

    private static KafkaProducer<String, byte[]> producer(String bootstrap) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
                ProducerConfig.ACKS_CONFIG, "1"), new StringSerializer(), new ByteArraySerializer());
    }
}
