package io.icemesh.media.room;

import io.icemesh.media.endpoint.Endpoint;
import io.icemesh.media.endpoint.RoomMembers;
import io.icemesh.media.track.Track;
import java.util.ArrayList;
import java.util.List;

/**
 * The endpoints of one SFU room. Membership is a copy-on-write array so that the forwarding path iterates a stable
 * snapshot without locking; changes happen under {@link Rooms}' lock.
 */
public final class Room implements RoomMembers {

    private final String id;
    private volatile Endpoint[] members = new Endpoint[0];

    Room(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    @Override
    public Endpoint[] members() {
        return members;
    }

    void add(Endpoint e) {
        Endpoint[] old = members;
        Endpoint[] next = java.util.Arrays.copyOf(old, old.length + 1);
        next[old.length] = e;
        members = next;
    }

    void remove(Endpoint e) {
        List<Endpoint> next = new ArrayList<>(List.of(members));
        next.remove(e);
        members = next.toArray(new Endpoint[0]);
    }

    boolean isEmpty() {
        return members.length == 0;
    }

    /** The tracks {@code subscriber} should receive: every other member's, in join order. */
    List<Track> tracksFor(Endpoint subscriber) {
        List<Track> out = new ArrayList<>();
        for (Endpoint e : members) {
            if (e != subscriber) {
                out.addAll(e.publications().tracks());
            }
        }
        return out;
    }
}
