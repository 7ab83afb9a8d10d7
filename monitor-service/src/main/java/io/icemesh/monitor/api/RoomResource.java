package io.icemesh.monitor.api;

import io.icemesh.monitor.timeline.TimelineView;
import io.icemesh.monitor.timeline.Timelines;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code GET /api/rooms}: the SFU rooms of the sessions this monitor instance holds that are still connecting or
 * connected, each with the media-service node serving it and the last move of the room in plain words, from the
 * session events signaling publishes (a join names the node; a move names the new node and why).
 */
@Path("/api/rooms")
@Produces(MediaType.APPLICATION_JSON)
public class RoomResource {

    /** Sessions looked at, most recently updated first: far more than the rooms one monitor instance follows live. */
    static final int SESSIONS_SCANNED = 10_000;
    private static final Set<String> LIVE = Set.of("connecting", "connected");
    private static final String MOVED = "media_moved";

    /**
     * One room.
     *
     * @param room the room
     * @param mediaNode the node serving it, as its most recently updated session says
     * @param sessions its sessions still connecting or connected
     * @param lastMove the latest move of the room in plain words (why, and where to), null if it never moved
     */
    public record Room(String room, String mediaNode, List<String> sessions, String lastMove) {
    }

    private final Timelines timelines;

    RoomResource(Timelines timelines) {
        this.timelines = timelines;
    }

    @GET
    public List<Room> rooms() {
        Map<String, List<TimelineView>> byRoom = new TreeMap<>();
        for (TimelineView t : timelines.recent(SESSIONS_SCANNED)) {
            if (t.roomId() != null && t.mediaNode() != null && LIVE.contains(t.status())) {
                byRoom.computeIfAbsent(t.roomId(), r -> new ArrayList<>()).add(t);
            }
        }
        List<Room> out = new ArrayList<>(byRoom.size());
        byRoom.forEach((room, sessions) -> {
            TimelineView.Entry lastMove = null;
            for (TimelineView t : sessions) {
                for (TimelineView.Entry e : t.entries()) {
                    if (MOVED.equals(e.type()) && (lastMove == null || e.timestampMs() > lastMove.timestampMs())) {
                        lastMove = e;
                    }
                }
            }
            out.add(new Room(room, sessions.get(0).mediaNode(), sessions.stream().map(TimelineView::sessionId)
                    .sorted().toList(), lastMove == null ? null : lastMove.detail()));
        });
        return out;
    }
}
