package io.icemesh.media.api;

import io.icemesh.media.MediaNode;
import io.icemesh.media.room.Rooms;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Map;

/**
 * {@code GET /api/rooms} on the HTTP port: the SFU rooms this node serves now, one {@code <room> <endpoints>} line
 * each (plain text, what {@code ./icemesh status} prints). A plain Vert.x route: the node serves no other API.
 */
@ApplicationScoped
public class RoomsResource {

    private final MediaNode node;

    RoomsResource(MediaNode node) {
        this.node = node;
    }

    void routes(@Observes Router router) {
        // Blocking: the room list is read under the lock that allocations take.
        router.get("/api/rooms").blockingHandler(ctx -> ctx.response()
                .putHeader("Content-Type", "text/plain; charset=utf-8").end(text()));
    }

    /** One line per room served now: its id and its endpoint count. */
    String text() {
        Rooms rooms = node.rooms();
        StringBuilder b = new StringBuilder();
        if (rooms != null) {
            for (Map.Entry<String, Integer> room : rooms.endpointsByRoom().entrySet()) {
                b.append(room.getKey()).append(' ').append(room.getValue()).append('\n');
            }
        }
        return b.toString();
    }
}
