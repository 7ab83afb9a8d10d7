package io.icemesh.signaling.room;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.icemesh.signaling.config.SignalingConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The room log on Kafka: writes room commands (keyed by room) and reads every partition of the log back, applying
 * each record to this instance's {@link RoomStateMachine} in log order. It also writes this instance's heartbeat,
 * and the decisions that depend on wall time: {@code instance-gone} for an instance whose heartbeat stopped, and
 * {@code expire} for a session whose resume grace passed. See docs/architecture.md, "Signaling scales out".
 *
 * <p>Plain Kafka clients, not the SmallRye connector: every instance reads all partitions by manual assignment (no
 * consumer group, so no rebalance pauses and no partition that some instance does not see), seeks to snapshot
 * offsets, and the latency settings below apply to this topic alone.
 */
@ApplicationScoped
public class RoomLog {

    /** What the instance does with applied records. Called on the log's reader thread, in log order. */
    public interface Listener {
        /**
         * A record was applied. {@code handler} is what the request's writer registered on this instance, if it
         * still waits; a join or resume whose writer gave up is applied with no handler.
         */
        void applied(RoomCommand command, RoomStateMachine.Applied applied, Consumer<RoomStateMachine.Applied> handler);

        /** Whether this instance holds an open socket by that id. */
        boolean holdsSocket(String connection);
    }

    private static final Logger LOG = Logger.getLogger(RoomLog.class);

    /**
     * Above this many bytes waiting for the broker, client commands (joins, resumes, relays) are refused with
     * {@code unavailable}; what the instance itself must write (disconnects, leaves, expiries) still queues.
     */
    public static final long MAX_OUTBOX_BYTES = 8L * 1024 * 1024;

    private final ObjectMapper json = new ObjectMapper();
    private final SignalingConfig.RoomLog config;
    private final Duration resumeGrace;
    private final int maxReportEntries;
    private final String bootstrapServers;
    private final String instanceId;
    private final RoomStateMachine state;
    private volatile RoomSnapshots snapshots;
    private final Counter malformed;
    private final Counter readerRestarts;
    private final Counter gaps;
    /** Per log partition, the offset up to which this instance handed applied records to its listener. */
    private final Map<Integer, Long> delivered = new ConcurrentHashMap<>();
    private boolean timersStarted;
    private final Map<String, Consumer<RoomStateMachine.Applied>> waiting = new ConcurrentHashMap<>();
    private final Map<String, Long> heartbeats = new ConcurrentHashMap<>();
    private final Map<String, Long> goneWritten = new ConcurrentHashMap<>();
    private final Map<String, Long> expiriesScheduled = new ConcurrentHashMap<>();
    private final LinkedBlockingQueue<ProducerRecord<String, String>> outbox = new LinkedBlockingQueue<>();
    /** Bytes of record values waiting in the outbox. */
    private final java.util.concurrent.atomic.AtomicLong outboxBytes = new java.util.concurrent.atomic.AtomicLong();
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(
            r -> new Thread(r, "room-log-timers"));
    private volatile Listener listener;
    private volatile boolean running;
    private volatile boolean caughtUp;
    private volatile long ownHeartbeatReadNanos;
    private long readySinceNanos;
    private final long startedNanos = System.nanoTime();
    private KafkaProducer<String, String> producer;
    private volatile KafkaConsumer<String, String> consumer;
    private Thread reader;
    private Thread sender;

    @jakarta.inject.Inject
    RoomLog(SignalingConfig config, @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
            MeterRegistry meters) {
        this.config = config.roomLog();
        this.resumeGrace = config.protocol().resumeGrace();
        this.maxReportEntries = config.protocol().maxReportEntries();
        this.bootstrapServers = bootstrapServers;
        this.instanceId = config.instanceId().orElseGet(() -> "signaling-" + UUID.randomUUID().toString()
                .substring(0, 8));
        RoomStateMachine.Limits limits = new RoomStateMachine.Limits(config.rooms().maxPeers(),
                config.rooms().maxSfuPeers(), config.protocol().resumeBacklog(), config.protocol().maxReportEntries(),
                config.protocol().roomReplayBytes());
        checkSnapshotBound(limits);
        this.state = new RoomStateMachine(limits);
        this.snapshots = new RoomSnapshots(state, this.config.snapshotsTopic());
        this.malformed = Counter.builder("icemesh.signaling.events.malformed").tag("topic", this.config.topic())
                .description("records that could not be read or applied, skipped").register(meters);
        this.readerRestarts = Counter.builder("icemesh.signaling.room-log.reader-restarts")
                .description("times the room log reader failed and started over").register(meters);
        this.gaps = Counter.builder("icemesh.signaling.room-log.gaps")
                .description("room log partitions read from later than their snapshots needed (retention deleted "
                        + "the records between)").register(meters);
        meters.gauge("icemesh.signaling.peers", state, RoomStateMachine::peerCount);
        meters.gauge("icemesh.signaling.rooms", state, RoomStateMachine::roomCount);
    }

    /**
     * Refuses limits under which a room's snapshot might not fit one Kafka record: that room's partition would keep
     * an old checkpoint, and a new instance could need records that retention has deleted.
     */
    static void checkSnapshotBound(RoomStateMachine.Limits limits) {
        int replay = limits.roomReplayBytes();
        if (replay < 1 || replay > RoomStateMachine.MAX_ROOM_REPLAY_BYTES) {
            throw new IllegalArgumentException("icemesh.signaling.protocol.room-replay-bytes must be between 1 and "
                    + RoomStateMachine.MAX_ROOM_REPLAY_BYTES + ", not " + replay);
        }
        long bound = RoomStateMachine.snapshotBound(limits);
        if (bound > RoomSnapshots.MAX_SNAPSHOT_BYTES) {
            throw new IllegalArgumentException("with icemesh.signaling.rooms.max-peers " + limits.maxPeers()
                    + ", max-sfu-peers " + limits.maxSfuPeers() + " and protocol.room-replay-bytes " + replay
                    + " a room's snapshot may take " + bound + " bytes, more than the " + RoomSnapshots.MAX_SNAPSHOT_BYTES
                    + " one Kafka record holds: lower room-replay-bytes by " + (bound - RoomSnapshots.MAX_SNAPSHOT_BYTES)
                    + " or fewer peers (each takes up to " + RoomStateMachine.MAX_MEMBER_SNAPSHOT_BYTES + " bytes)");
        }
    }

    /**
     * A room log reader and writer outside CDI, started: another signaling instance's view of the same log, for
     * tests that need two instances in one JVM. {@link #stop()} ends it as a killed process would (no drain).
     */
    public static RoomLog standalone(SignalingConfig config, String bootstrapServers) {
        RoomLog log = new RoomLog(config, bootstrapServers,
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        log.onStart(null);
        return log;
    }

    /** Stops reading, writing and heartbeating. */
    public void stop() {
        onStop(null);
    }

    public String instanceId() {
        return instanceId;
    }

    /** ICE report entries a session may send in all (the budget the state machine keeps). */
    public int maxReportEntries() {
        return maxReportEntries;
    }

    /** This instance's replica of every room. */
    public RoomStateMachine state() {
        return state;
    }

    public void listen(Listener listener) {
        this.listener = listener;
    }

    /** Whether this instance has read the log up to date and its own heartbeat came back recently. */
    public boolean ready() {
        return caughtUp && System.nanoTime() - ownHeartbeatReadNanos < config.staleAfter().toNanos();
    }

    /** Whether client commands are taken: the log is ready and the outbox is below {@link #MAX_OUTBOX_BYTES}. */
    public boolean accepting() {
        return ready() && outboxBytes.get() < MAX_OUTBOX_BYTES;
    }

    private void offer(ProducerRecord<String, String> record) {
        outboxBytes.addAndGet(sizeOf(record));
        outbox.add(record);
    }

    private static long sizeOf(ProducerRecord<String, String> record) {
        return record.value() == null ? 0 : record.value().length();
    }

    /** Writes a command; nothing waits for it. */
    public void submit(RoomCommand command) {
        enqueue(config.topic(), command.room(), command);
    }

    /**
     * Writes a command and runs {@code handler} on the reader thread when this instance applies it, unless
     * {@code onTimeout} ran first (after {@code request-timeout}).
     */
    public void request(String requestId, RoomCommand command, Consumer<RoomStateMachine.Applied> handler,
            Runnable onTimeout) {
        waiting.put(requestId, handler);
        timers.schedule(() -> {
            if (waiting.remove(requestId) != null) {
                onTimeout.run();
            }
        }, config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        submit(command);
    }

    void onStart(@Observes StartupEvent event) {
        running = true;
        producer = new KafkaProducer<>(producerConfig(), new StringSerializer(), new StringSerializer());
        sender = new Thread(this::sendLoop, "room-log-writer");
        sender.start();
        reader = new Thread(this::readLoop, "room-log-reader");
        reader.start();
        // Start-up waits a little for the log, so that an instance that can reach Kafka is ready when it says it
        // started; one that cannot starts anyway, with readiness DOWN until it can.
        long deadline = System.nanoTime() + config.startupWait().toNanos();
        while (!ready() && System.nanoTime() < deadline) {
            sleep(20);
        }
        if (!ready()) {
            LOG.warnf("instance %s started without the room log; readiness stays DOWN until it is read", instanceId);
        }
    }

    /**
     * Producer settings, chosen for order and latency. Idempotent with acks=all: the producer's own retries never
     * reorder or duplicate a record, across a broker restart too, and nothing outside it resends (the writer thread
     * only retries a send that never entered the producer). linger.ms=0: a record goes out at once; batching would
     * add its linger to every relay. delivery.timeout.ms of an hour: a broker outage delays records, not loses them.
     */
    private Map<String, Object> producerConfig() {
        Map<String, Object> p = new HashMap<>();
        p.put("bootstrap.servers", bootstrapServers);
        p.put("enable.idempotence", "true");
        p.put("acks", "all");
        p.put("linger.ms", "0");
        p.put("max.in.flight.requests.per.connection", "5");
        p.put("delivery.timeout.ms", "3600000");
        p.put("request.timeout.ms", "5000");
        p.put("max.block.ms", "1000");
        p.put("client.id", instanceId + "-rooms");
        return p;
    }

    /**
     * Consumer settings: no group (manual assignment of every partition), fetch.min.bytes=1 so that the broker answers
     * a fetch as soon as one record is there, and a short fetch.max.wait.ms, which only bounds how long an idle fetch
     * waits (it does not delay records) and keeps the reader responsive to shutdown.
     */
    private Map<String, Object> consumerConfig() {
        Map<String, Object> c = new HashMap<>();
        c.put("bootstrap.servers", bootstrapServers);
        c.put("enable.auto.commit", "false");
        // Every position is set explicitly (snapshot checkpoints, the log's start or end). A position retention has
        // deleted meanwhile is an error, not a silent jump: the reader starts over from the newer snapshots.
        c.put("auto.offset.reset", "none");
        c.put("fetch.min.bytes", "1");
        c.put("fetch.max.wait.ms", "50");
        c.put("client.id", instanceId + "-rooms-reader");
        return c;
    }

    private void createTopics() {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers))) {
            List<NewTopic> topics = List.of(
                    new NewTopic(config.topic(), config.partitions(), (short) -1)
                            .configs(Map.of("retention.ms", String.valueOf(config.retention().toMillis()))),
                    new NewTopic(config.snapshotsTopic(), 1, (short) -1).configs(Map.of("cleanup.policy", "compact")),
                    new NewTopic(config.instancesTopic(), 1, (short) -1).configs(Map.of("retention.ms", "600000")));
            for (NewTopic t : topics) {
                try {
                    admin.createTopics(List.of(t)).all().get(10, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new KafkaException("cannot create " + t.name(), e.getCause());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.TimeoutException e) {
            throw new KafkaException("the broker did not answer while creating the room log topics", e);
        }
    }

    /**
     * The reader: connects, restores the snapshots and applies the log. A record that cannot be applied (unreadable,
     * or one the state machine throws on) is counted and skipped; it is the same record at the same offset on every
     * instance, so every instance skips it. Any other failure (a Kafka timeout during start-up, a broker error)
     * starts the reader over: readiness goes DOWN, the state is reloaded from the snapshots and the log, and records
     * this instance had already delivered to its sockets are applied again without being delivered again.
     */
    private void readLoop() {
        while (running) {
            try {
                readOnce();
            } catch (WakeupException e) {
                return; // shutting down
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                caughtUp = false;
                readerRestarts.increment();
                LOG.errorf(e, "the room log reader of instance %s failed; it starts over from the snapshots",
                        instanceId);
                closeConsumer();
                sleep(1000);
            } finally {
                if (!running) {
                    closeConsumer();
                }
            }
        }
    }

    private void readOnce() {
        while (running && consumer == null) {
            try {
                createTopics();
                consumer = new KafkaConsumer<>(consumerConfig(), new StringDeserializer(), new StringDeserializer());
            } catch (KafkaException e) {
                LOG.warnf("room log not reachable yet (%s); retrying", e.getMessage());
                sleep(1000);
            }
        }
        if (consumer == null) {
            return; // stopped before the broker was ever reached
        }
        if (!timersStarted) {
            timersStarted = true;
            long beat = config.heartbeatInterval().toMillis();
            timers.scheduleAtFixedRate(this::heartbeat, 0, beat, TimeUnit.MILLISECONDS);
            timers.scheduleAtFixedRate(this::findGoneInstances, beat, beat, TimeUnit.MILLISECONDS);
        }
        state.clear();
        snapshots = new RoomSnapshots(state, config.snapshotsTopic());
        Map<TopicPartition, Long> end = snapshots.load(consumer, config.topic(), config.instancesTopic());
        gaps.increment(snapshots.gaps());
        LOG.infof("instance %s reading the room log from its snapshots (%d rooms)", instanceId, state.roomCount());
        scheduleExpiries(state.away());
        long lastSnapshot = System.nanoTime();
        while (running) {
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                if (r.topic().equals(config.instancesTopic())) {
                    onHeartbeat(r.value());
                } else {
                    apply(r);
                }
            }
            if (!caughtUp && end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
                caughtUp = true;
                LOG.infof("instance %s caught up with the room log: %d rooms, %d sessions", instanceId,
                        state.roomCount(), state.peerCount());
            }
            // Only an instance that has read the log up to date and hears the broker writes snapshots: before
            // catch-up it would label restored rooms with a position it has not reached, and during an outage
            // (heartbeats stale) every instance would think it is the writer.
            if (caughtUp && ready() && System.nanoTime() - lastSnapshot > config.snapshotInterval().toNanos()) {
                lastSnapshot = System.nanoTime();
                snapshots.pass(consumer, isLeader(), this::offer);
            }
        }
    }

    private void closeConsumer() {
        KafkaConsumer<String, String> c = consumer;
        consumer = null;
        if (c != null) {
            try {
                c.close(Duration.ofSeconds(1));
            } catch (RuntimeException e) {
                LOG.debugf("closing the room log consumer: %s", e.getMessage());
            }
        }
    }

    /** Whether the reader thread runs (false once stopped, or if it died: liveness turns DOWN). */
    public boolean readerAlive() {
        Thread r = reader;
        return r != null && r.isAlive();
    }

    private void apply(ConsumerRecord<String, String> r) {
        RoomCommand command;
        try {
            command = json.readValue(r.value(), RoomCommand.class);
        } catch (Exception e) {
            skipped(r, e);
            return;
        }
        if (command == null || command.room() == null || command.origin() == null) {
            skipped(r, new IllegalArgumentException("no room or origin"));
            return;
        }
        if (!snapshots.covers(command.room(), r.partition(), r.offset())) {
            return;
        }
        RoomStateMachine.Applied applied;
        try {
            applied = state.apply(command);
        } catch (RuntimeException e) {
            skipped(r, e);
            return;
        }
        snapshots.touched(command.room(), r.partition());
        // Applied again after the reader started over: this instance already delivered it.
        boolean replayed = r.offset() < delivered.getOrDefault(r.partition(), -1L);
        delivered.merge(r.partition(), r.offset() + 1, Math::max);
        if (replayed) {
            return;
        }
        Consumer<RoomStateMachine.Applied> handler = null;
        String request = requestOf(command);
        if (request != null && instanceId.equals(command.origin())) {
            handler = waiting.remove(request);
        }
        if (applied.outcome() instanceof Outcome.Detached d) {
            List<RoomStateMachine.Away> away = new ArrayList<>();
            d.members().forEach(m -> away.add(new RoomStateMachine.Away(m, d.atMs())));
            scheduleExpiries(away);
        }
        Listener l = listener;
        if (l != null) {
            try {
                l.applied(command, applied, handler);
            } catch (RuntimeException e) {
                LOG.errorf(e, "handling room log record %s-%d@%d failed", r.topic(), r.partition(), r.offset());
            }
        }
    }

    /** A record no instance can apply: every instance skips the same one. */
    private void skipped(ConsumerRecord<String, String> r, Exception e) {
        malformed.increment();
        LOG.warnf("malformed room log record at %s-%d@%d skipped: %s", r.topic(), r.partition(), r.offset(),
                e.toString());
    }

    private static String requestOf(RoomCommand c) {
        if (c instanceof RoomCommand.Join j) {
            return j.request();
        } else if (c instanceof RoomCommand.Resume r) {
            return r.request();
        } else if (c instanceof RoomCommand.Leave l) {
            return l.request();
        } else if (c instanceof RoomCommand.Admit a) {
            return a.request();
        } else if (c instanceof RoomCommand.Report r) {
            return r.request();
        }
        return null;
    }

    /** Every instance schedules the expiry; the first expire record applied wins, the others are no-ops. */
    private void scheduleExpiries(List<RoomStateMachine.Away> away) {
        for (RoomStateMachine.Away a : away) {
            Member m = a.member();
            String key = m.sessionId() + "#" + m.epoch();
            if (expiriesScheduled.putIfAbsent(key, a.detachedAtMs()) != null) {
                continue;
            }
            long delay = Math.max(0, a.detachedAtMs() + resumeGrace.toMillis() - System.currentTimeMillis());
            timers.schedule(() -> {
                expiriesScheduled.remove(key);
                state.member(m.sessionId()).filter(now -> !now.attached() && now.epoch() == m.epoch())
                        .ifPresent(now -> submit(new RoomCommand.Expire(m.room(), instanceId, m.sessionId(),
                                m.epoch())));
            }, delay, TimeUnit.MILLISECONDS);
        }
    }

    /** Heartbeats go to partition 0, the one every instance reads, whatever partitions the topic has. */
    private void heartbeat() {
        try {
            if (outboxBytes.get() >= MAX_OUTBOX_BYTES) {
                return; // the broker is out and the outbox full: a heartbeat would say nothing new
            }
            offer(new ProducerRecord<>(config.instancesTopic(), 0, instanceId, json.writeValueAsString(Map.of(
                    "instance", instanceId, "atMs", System.currentTimeMillis()))));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private void onHeartbeat(String value) {
        try {
            JsonNode beat = json.readTree(value);
            String id = beat.path("instance").asText(null);
            if (id != null) {
                heartbeats.put(id, System.nanoTime());
                if (id.equals(instanceId)) {
                    ownHeartbeatReadNanos = System.nanoTime();
                }
            }
        } catch (Exception e) {
            malformed.increment();
        }
    }

    /** Instances with a heartbeat within the instance timeout, this one included. */
    public Set<String> liveInstances() {
        long now = System.nanoTime();
        Set<String> live = new java.util.TreeSet<>();
        heartbeats.forEach((id, seen) -> {
            if (now - seen < config.instanceTimeout().toNanos()) {
                live.add(id);
            }
        });
        live.add(instanceId);
        return live;
    }

    /**
     * Whether this instance is the one that decides for the whole mesh what no client asks for (snapshots, moving
     * rooms off a media node): the live instance with the smallest id, once it reads the log up to date. Two may
     * think so for a moment (a heartbeat late); what they write is idempotent.
     */
    public boolean isLeader() {
        return caughtUp && ready() && instanceId.equals(liveInstances().iterator().next());
    }

    /**
     * Writes {@code instance-gone} for each room where a silent instance held sockets, and {@code disconnected} for
     * sessions the log says this instance holds but whose socket it does not have (an instance that came back with
     * the same id, or a join applied after its socket closed).
     */
    private void findGoneInstances() {
        if (!caughtUp) {
            return;
        }
        long now = System.nanoTime();
        long timeout = config.instanceTimeout().toNanos();
        // Hearing the broker: the own heartbeat came back within half the shorter of stale-after and the instance
        // timeout, so that an outage stops this instance from judging others before their heartbeats look stale.
        long hearing = Math.min(config.staleAfter().toNanos(), timeout) / 2;
        if (!caughtUp || now - ownHeartbeatReadNanos > hearing) {
            readySinceNanos = 0;
            return;
        }
        if (readySinceNanos == 0) {
            readySinceNanos = now;
        }
        // Ready again (start-up, or the broker came back): the others' heartbeats are as old as the outage, and their
        // producers may need a few more seconds to reconnect. Nobody is declared gone before one instance timeout
        // of hearing the broker has passed.
        if (now - startedNanos < timeout || now - readySinceNanos < timeout) {
            return;
        }
        Set<String> live = liveInstances();
        state.roomsByInstance().forEach((instance, rooms) -> {
            if (live.contains(instance)) {
                return;
            }
            for (String room : rooms) {
                Long last = goneWritten.get(instance + "/" + room);
                if (last == null || now - last > timeout) {
                    goneWritten.put(instance + "/" + room, now);
                    LOG.infof("instance %s is gone: its sessions in room %s wait for a resume", instance, room);
                    submit(new RoomCommand.InstanceGone(room, instanceId, instance, System.currentTimeMillis()));
                }
            }
        });
        goneWritten.entrySet().removeIf(e -> now - e.getValue() > 10 * timeout);
        Listener l = listener;
        if (l != null) {
            for (Member m : state.attachedTo(instanceId)) {
                if (!l.holdsSocket(m.connection())) {
                    submit(new RoomCommand.Disconnected(m.room(), instanceId, m.sessionId(), m.epoch(),
                            System.currentTimeMillis()));
                }
            }
        }
    }

    private void enqueue(String topic, String key, Object value) {
        try {
            offer(new ProducerRecord<>(topic, key, json.writeValueAsString(value)));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + value, e);
        }
    }

    /**
     * The only thread that hands records to the producer, in the order they were submitted. A record whose topic
     * the producer has no metadata for (the broker is out: {@code partitionsFor} fails after max.block.ms) is
     * retried here, and nothing after it has been sent yet, so the order holds; once the producer has it, its own
     * idempotent retries take over.
     */
    private void sendLoop() {
        while (running || !outbox.isEmpty()) {
            ProducerRecord<String, String> record;
            try {
                record = outbox.poll(100, TimeUnit.MILLISECONDS);
                if (record != null) {
                    outboxBytes.addAndGet(-sizeOf(record));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            while (record != null) {
                try {
                    String key = record.key();
                    // The producer reports a topic missing from its metadata (the broker is out) through the
                    // callback, after the records behind it may already be queued: asking first, on this one thread,
                    // keeps the record here until it can go, and the order with it.
                    producer.partitionsFor(record.topic());
                    producer.send(record, (meta, failure) -> {
                        if (failure != null) {
                            LOG.errorf("a room log record for %s was not written: %s", key, failure.getMessage());
                        }
                    });
                    record = null;
                } catch (KafkaException e) {
                    if (!running) {
                        // Shutting down with the broker out of reach: what is left cannot be written. Its sessions
                        // are detached by the other instances (instance-gone) and wait for a resume.
                        int left = outbox.size() + 1;
                        outbox.clear();
                        outboxBytes.set(0);
                        LOG.warnf("%d room log records dropped at shutdown, the broker is out of reach: %s", left,
                                e.getMessage());
                        return;
                    }
                    sleep(200);
                }
            }
        }
    }

    /** Waits until everything submitted so far has been written, at most {@code timeout}. */
    public void flush(Duration timeout) {
        // Only the outbox: producer.flush() would wait for the broker as long as delivery.timeout.ms (an hour) during
        // an outage; what the producer holds goes out on close, within its own bound.
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!outbox.isEmpty() && System.nanoTime() < deadline) {
            sleep(20);
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        timers.shutdownNow();
        running = false;
        try {
            if (sender != null) {
                sender.join(5000);
            }
            KafkaConsumer<String, String> c = consumer;
            if (c != null) {
                c.wakeup();
            }
            if (reader != null) {
                reader.join(5000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
