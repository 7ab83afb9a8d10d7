package io.icemesh.signaling.room;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Bounded start-up: room snapshots on a compacted topic, so a new instance reads the latest snapshot of each room and
 * only the room log after it, never the whole log.
 *
 * <p>Records (all on partition 0, whatever partitions the topic was created with; keyed): {@code room:<name>} holds {@code {partition, offset, room}}, the room's whole
 * state after applying every record of its log partition before {@code offset} (or {@code removed: true}); and
 * {@code checkpoint:<partition>} holds {@code {partition, offset}}: every room of that partition that changed before
 * {@code offset} has a snapshot at an offset no older than its last change. A reader restores the room snapshots,
 * reads each log partition from its checkpoint, and skips a room's records older than that room's snapshot (a pass
 * cut short may leave room snapshots newer than the checkpoint).
 *
 * <p>One writer: the live instance with the smallest id writes, every {@code snapshot-interval}, the rooms that
 * changed since its last pass (all rooms on its first pass as writer), then the checkpoints, then tombstones for rooms
 * that ended (whose {@code removed} marker the checkpoint made unnecessary). All instances hold the same state at the
 * same offsets, so which one writes does not matter for what is written.
 */
final class RoomSnapshots {

    /**
     * Largest room snapshot written: below the broker's default message.max.bytes (1 MiB), so that no topic or broker
     * setting is needed. RoomLog refuses room limits under which a room's snapshot could be larger (its replay
     * buffers are bounded in bytes per room); should one be larger anyway, its partition keeps its older checkpoint
     * until it shrinks, and the size is logged.
     */
    static final int MAX_SNAPSHOT_BYTES = 900_000;

    /** A room unchanged for this many passes is written again (60 passes: 10 minutes at the default interval). */
    static final long REFRESH_PASSES = 60;

    private static final Logger LOG = Logger.getLogger(RoomSnapshots.class);
    private static final String ROOM = "room:";
    private static final String CHECKPOINT = "checkpoint:";

    private final ObjectMapper json = new ObjectMapper();
    private final RoomStateMachine state;
    private final String topic;
    private final Map<String, Long> skipBefore = new HashMap<>();
    private final Map<String, Integer> partitionOf = new HashMap<>();
    private final Map<Integer, Set<String>> dirty = new TreeMap<>();
    private final List<TopicPartition> logPartitions = new ArrayList<>();
    private final Map<String, Long> writtenAt = new HashMap<>();
    private final Map<Integer, Long> checkpointOf = new HashMap<>();
    private long passes;
    private boolean wasWriter;
    /** Log partitions whose needed records retention had already deleted when {@link #load} ran. */
    private int gaps;

    RoomSnapshots(RoomStateMachine state, String topic) {
        this.state = state;
        this.topic = topic;
    }

    /**
     * Restores the latest snapshots into the state, then assigns every room log partition (from its checkpoint) and
     * the heartbeat topic (from its end) to the consumer. Returns the log's end offsets: caught up past them.
     */
    Map<TopicPartition, Long> load(KafkaConsumer<String, String> consumer, String logTopic, String instancesTopic) {
        TopicPartition snap = new TopicPartition(topic, 0);
        consumer.assign(List.of(snap));
        consumer.seekToBeginning(List.of(snap));
        long end = consumer.endOffsets(List.of(snap)).get(snap);
        Map<String, JsonNode> rooms = new HashMap<>();
        Map<Integer, Long> checkpoints = new HashMap<>();
        while (consumer.position(snap) < end) {
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                if (r.key() == null) {
                    continue;
                }
                if (r.key().startsWith(ROOM)) {
                    String room = r.key().substring(ROOM.length());
                    if (r.value() == null) {
                        rooms.remove(room);
                    } else {
                        rooms.put(room, read(r.value()));
                    }
                } else if (r.key().startsWith(CHECKPOINT) && r.value() != null) {
                    JsonNode c = read(r.value());
                    checkpoints.put(c.path("partition").asInt(), c.path("offset").asLong());
                }
            }
        }
        rooms.forEach((room, s) -> {
            if (s == null) {
                return;
            }
            skipBefore.put(room, s.path("offset").asLong());
            if (!s.path("removed").asBoolean(false)) {
                state.restore(room, s.get("room"));
                partitionOf.put(room, s.path("partition").asInt());
            }
        });
        List<TopicPartition> all = new ArrayList<>();
        for (PartitionInfo p : consumer.partitionsFor(logTopic)) {
            logPartitions.add(new TopicPartition(logTopic, p.partition()));
        }
        all.addAll(logPartitions);
        TopicPartition beats = new TopicPartition(instancesTopic, 0);
        all.add(beats);
        consumer.assign(all);
        // A partition is read from its checkpoint, or from its oldest room snapshot if that is older: a snapshot
        // written by a writer that was behind (two writers for a while, after an outage or a handover) may have
        // landed after a newer one and the checkpoint, and the records after it are then needed. covers() skips
        // whatever a room's snapshot holds already. Never before the log's start (what retention deleted is gone).
        checkpointOf.putAll(checkpoints);
        Map<Integer, Long> oldest = new HashMap<>();
        rooms.values().forEach(s -> {
            if (s != null && s.has("partition")) {
                oldest.merge(s.path("partition").asInt(), s.path("offset").asLong(), Math::min);
            }
        });
        Map<TopicPartition, Long> start = consumer.beginningOffsets(logPartitions);
        for (TopicPartition tp : logPartitions) {
            Long from = checkpoints.get(tp.partition());
            if (from != null) {
                long wanted = Math.min(from, oldest.getOrDefault(tp.partition(), from));
                long seek = Math.max(start.get(tp), wanted);
                if (wanted < seek) {
                    // Cannot happen while a snapshot writer runs (every room's snapshot fits a record, so checkpoints
                    // move on every pass): no instance ran for longer than the log's retention. The rooms whose
                    // records are gone are stale; their sessions expire as their instances are found gone.
                    gaps++;
                    LOG.errorf("partition %d of the room log must be read from %d but starts at %d (retention "
                            + "deleted the records between); rooms on it may be stale", tp.partition(), wanted, seek);
                } else if (seek < from) {
                    LOG.infof("partition %d is read from %d, the oldest room snapshot on it, before its checkpoint %d",
                            tp.partition(), seek, from);
                }
                consumer.seek(tp, seek);
            } else {
                consumer.seekToBeginning(List.of(tp));
            }
        }
        consumer.seekToEnd(List.of(beats));
        return consumer.endOffsets(logPartitions);
    }

    /** Log partitions that could not be read from where their snapshots needed (records deleted by retention). */
    int gaps() {
        return gaps;
    }

    /** Whether a room's record at this offset is to be applied (false: its snapshot already holds it). */
    boolean covers(String room, int partition, long offset) {
        Long skip = skipBefore.get(room);
        if (skip == null) {
            // No snapshot: the room is new since the checkpoint, or ended before it (its tombstone made the marker
            // go). Its records before the checkpoint, read when a stale snapshot made the reader start earlier, are
            // not applied: part of an ended room's history could leave a room that does not exist.
            skip = checkpointOf.getOrDefault(partition, 0L);
        }
        return offset >= skip;
    }

    /** A record of this room was applied. */
    void touched(String room, int partition) {
        partitionOf.put(room, partition);
        dirty.computeIfAbsent(partition, p -> new TreeSet<>()).add(room);
    }

    /** One snapshot pass at the consumer's current positions (every record before them applied). */
    void pass(KafkaConsumer<String, String> consumer, boolean writer, Consumer<ProducerRecord<String, String>> out) {
        if (!writer) {
            dirty.clear();
            wasWriter = false;
            return;
        }
        passes++;
        Map<Integer, Set<String>> write = new TreeMap<>();
        if (wasWriter) {
            dirty.forEach((p, set) -> write.computeIfAbsent(p, k -> new TreeSet<>()).addAll(set));
            // Idle rooms are written again now and then, so no room snapshot stays far behind its checkpoint (a
            // reader starts at the oldest one) and start-up keeps reading only minutes of log.
            partitionOf.forEach((room, p) -> {
                if (passes - writtenAt.getOrDefault(room, 0L) >= REFRESH_PASSES) {
                    write.computeIfAbsent(p, k -> new TreeSet<>()).add(room);
                }
            });
        } else {
            partitionOf.forEach((room, p) -> write.computeIfAbsent(p, k -> new TreeSet<>()).add(room));
        }
        for (TopicPartition tp : logPartitions) {
            long offset = consumer.position(tp);
            boolean complete = true;
            List<String> removed = new ArrayList<>();
            for (String room : write.getOrDefault(tp.partition(), Set.of())) {
                JsonNode snapshot = state.snapshot(room);
                ObjectNode value = json.createObjectNode().put("partition", tp.partition()).put("offset", offset);
                if (snapshot == null) {
                    value.put("removed", true);
                    removed.add(room);
                    partitionOf.remove(room);
                } else {
                    value.set("room", snapshot);
                }
                String text = value.toString();
                int bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
                if (bytes > MAX_SNAPSHOT_BYTES) {
                    LOG.warnf("room %s is too large to snapshot (%d bytes); partition %d keeps its older checkpoint",
                            room, bytes, tp.partition());
                    complete = false;
                    continue;
                }
                out.accept(new ProducerRecord<>(topic, 0, ROOM + room, text));
                if (snapshot == null) {
                    writtenAt.remove(room);
                } else {
                    writtenAt.put(room, passes);
                }
            }
            if (complete) {
                out.accept(new ProducerRecord<>(topic, 0, CHECKPOINT + tp.partition(), json.createObjectNode()
                        .put("partition", tp.partition()).put("offset", offset).toString()));
                removed.forEach(room -> out.accept(new ProducerRecord<>(topic, 0, ROOM + room, null)));
            }
        }
        dirty.clear();
        wasWriter = true;
    }

    private JsonNode read(String value) {
        try {
            return json.readTree(value);
        } catch (Exception e) {
            LOG.warnf("unreadable room snapshot skipped: %s", e.getMessage());
            return null;
        }
    }
}
