package io.icemesh.signaling.room;

import java.util.List;

/** What applying one room command did, for the instance that wrote it (and, for detaches, for every instance). */
public sealed interface Outcome {

    /** A peer is in the room and visible to the others (a P2P join, or an SFU join its media node allocated). */
    record Joined(Member self, List<Member> others) implements Outcome {
    }

    /** An SFU peer holds a place on {@code self.mediaNode()}; it waits for the node's allocation. */
    record Pending(Member self) implements Outcome {
    }

    /** Refused, with the protocol's error code and a message for the client. */
    record Refused(String code, String message) implements Outcome {
    }

    /** The peer left for good ({@code reason} {@code left} or {@code timeout}); {@code roomEmpty} if it was last. */
    record Left(Member self, String reason, boolean roomEmpty) implements Outcome {
    }

    /** An SFU peer the node did not allocate is gone, silently. */
    record Abandoned(Member self, boolean roomEmpty) implements Outcome {
    }

    /**
     * The session is back on a new socket; {@code missed} are the numbered messages after the client's last seq,
     * {@code previous} where its socket was (closed by its instance, if it is still open).
     */
    record Resumed(Member self, List<Member> others, List<String> missed, Member previous) implements Outcome {
    }

    /** Sessions whose socket is gone and who now wait for a resume (until {@code atMs} plus the resume grace). */
    record Detached(List<Member> members, long atMs) implements Outcome {
    }

    /** A relay reached its target. */
    record Relayed(Member from, Member to) implements Outcome {
    }

    /** A report's entries fit the session's budget. */
    record Accepted(Member self, int entries) implements Outcome {
    }

    /** Nothing changed: a duplicate or a command about a session that is gone or moved on. */
    record Ignored(String why) implements Outcome {
    }

    /** An SFU room is now on node {@code to}: its sessions ({@code members}) need an endpoint there. */
    record Moved(String room, String from, String to, String reason, List<Member> members) implements Outcome {
    }

    /** A client of room {@code room}, which is on {@code node}, reported its SFU connection stalled at {@code atMs}. */
    record Stalled(String room, String node, String sessionId, long atMs) implements Outcome {
    }
}
