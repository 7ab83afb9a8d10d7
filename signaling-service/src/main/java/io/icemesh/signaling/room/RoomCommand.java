package io.icemesh.signaling.room;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.icemesh.signaling.auth.RoomMode;

/**
 * A record of the room log ({@code icemesh.signaling.rooms}, keyed by room): every change to a room is one of these,
 * written by the instance that decided it ({@code origin}) and applied by every instance in log order
 * ({@link RoomStateMachine}). Wall time appears only as data ({@code atMs}) decided once by the writer; the state
 * machine never reads a clock. {@code request} correlates a command with its outcome on the instance that wrote it.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "op")
@JsonSubTypes({
    @JsonSubTypes.Type(value = RoomCommand.Join.class, name = "join"),
    @JsonSubTypes.Type(value = RoomCommand.Admit.class, name = "admit"),
    @JsonSubTypes.Type(value = RoomCommand.Abandon.class, name = "abandon"),
    @JsonSubTypes.Type(value = RoomCommand.Leave.class, name = "leave"),
    @JsonSubTypes.Type(value = RoomCommand.Disconnected.class, name = "disconnected"),
    @JsonSubTypes.Type(value = RoomCommand.Resume.class, name = "resume"),
    @JsonSubTypes.Type(value = RoomCommand.Relay.class, name = "relay"),
    @JsonSubTypes.Type(value = RoomCommand.SfuMessage.class, name = "sfu-message"),
    @JsonSubTypes.Type(value = RoomCommand.Expire.class, name = "expire"),
    @JsonSubTypes.Type(value = RoomCommand.InstanceGone.class, name = "instance-gone"),
    @JsonSubTypes.Type(value = RoomCommand.Report.class, name = "report"),
    @JsonSubTypes.Type(value = RoomCommand.MoveRoom.class, name = "move-room"),
    @JsonSubTypes.Type(value = RoomCommand.SfuStalled.class, name = "sfu-stalled")})
public sealed interface RoomCommand {

    /** The room: the record's key. */
    String room();

    /** The instance that wrote the record. */
    String origin();

    /**
     * A client joins on socket {@code connection} of instance {@code origin}. SFU rooms: {@code proposedNode} is the
     * media node the writer would place the room on; it is taken only if the room has no node yet, or if its node is
     * {@code replacesNode} (the writer saw it gone). {@code limits} are the writer's room limits: every replica
     * decides the join (room size) and keeps the session's replay buffer and report budget by these, not by its own
     * configuration, so instances with different settings (a rolling update) still agree.
     */
    record Join(String room, String origin, String request, String connection, String sessionId, String peerId,
            String subject, RoomMode mode, String resumeToken, String proposedNode, String replacesNode, long atMs,
            RoomStateMachine.Limits limits) implements RoomCommand {

        /**
         * A join without limits of its own: every replica applies its configured ones (records written before the
         * writer's limits were carried).
         */
        public Join(String room, String origin, String request, String connection, String sessionId, String peerId,
                String subject, RoomMode mode, String resumeToken, String proposedNode, String replacesNode,
                long atMs) {
            this(room, origin, request, connection, sessionId, peerId, subject, mode, resumeToken, proposedNode,
                    replacesNode, atMs, null);
        }
    }

    /** The media node allocated an SFU peer's endpoint: the peer becomes visible to the room. */
    record Admit(String room, String origin, String request, String sessionId) implements RoomCommand {
    }

    /** The media node refused or did not answer an SFU peer's allocation: it goes, and nobody hears of it. */
    record Abandon(String room, String origin, String sessionId) implements RoomCommand {
    }

    /** The client left, from the socket it had at {@code epoch}. */
    record Leave(String room, String origin, String request, String sessionId, long epoch) implements RoomCommand {
    }

    /** The socket the session had at {@code epoch} closed without a leave. */
    record Disconnected(String room, String origin, String sessionId, long epoch, long atMs) implements RoomCommand {
    }

    /** A client takes its session back on socket {@code connection} of {@code origin}. */
    record Resume(String room, String origin, String request, String connection, String resumeToken, long lastSeq)
            implements RoomCommand {
    }

    /** A P2P message (offer, answer, candidate) from a session's socket to the peer {@code to}. */
    record Relay(String room, String origin, String connection, String sessionId, String to, String type,
            ObjectNode body) implements RoomCommand {
    }

    /**
     * A message from the SFU to a session (an answer, a renegotiation offer, the end of its endpoint). Every instance
     * that reads it from media-service may write it; {@code ref} (where it came from) makes duplicates no-ops.
     */
    record SfuMessage(String room, String origin, String sessionId, String ref, ObjectNode message)
            implements RoomCommand {
    }

    /** The resume grace of a session detached at {@code epoch} has passed. Ignored if it resumed since. */
    record Expire(String room, String origin, String sessionId, long epoch) implements RoomCommand {
    }

    /** {@code instance} stopped heartbeating: its sessions in this room are detached. Idempotent. */
    record InstanceGone(String room, String origin, String instance, long atMs) implements RoomCommand {
    }

    /** A session reported {@code entries} ICE timeline entries; the state machine keeps the per-session budget. */
    record Report(String room, String origin, String request, String sessionId, int entries) implements RoomCommand {
    }

    /**
     * An SFU room moves from media node {@code from} (draining, or gone) to {@code to}. Ignored unless the room is
     * still on {@code from}, so a second instance's move of the same room is a no-op.
     */
    record MoveRoom(String room, String origin, String from, String to, String reason) implements RoomCommand {
    }

    /**
     * A session's client reports that its connection to media node {@code node} stopped carrying media (at
     * {@code atMs}, the writer's clock). Changes nothing; the leader takes it as a hint that the node may be gone
     * ({@code RoomMover}). An instance older than this record skips it as malformed.
     */
    record SfuStalled(String room, String origin, String sessionId, String node, long atMs) implements RoomCommand {
    }
}
