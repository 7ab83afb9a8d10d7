package io.icemesh.monitor.api;

import io.icemesh.monitor.MonitorConfig;
import io.icemesh.monitor.diagnosis.Diagnoser;
import io.icemesh.monitor.timeline.TimelineView;
import io.icemesh.monitor.timeline.Timelines;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Optional;

/** Recent session timelines with their diagnosis. */
@Path("/api/sessions")
@Produces(MediaType.APPLICATION_JSON)
public class SessionResource {

    /** Most sessions one list answer carries. */
    static final int MAX_LIMIT = 1000;

    private final Timelines timelines;
    private final Diagnoser diagnoser;
    private final MonitorConfig config;

    SessionResource(Timelines timelines, Diagnoser diagnoser, MonitorConfig config) {
        this.timelines = timelines;
        this.diagnoser = diagnoser;
        this.config = config;
    }

    /** Recent sessions, most recently updated first. */
    @GET
    public List<SessionSummary> recent(@QueryParam("limit") @DefaultValue("100") int limit) {
        int bounded = Math.max(1, Math.min(limit, MAX_LIMIT));
        return timelines.recent(bounded).stream()
                .map(t -> SessionSummary.of(t, diagnoser.diagnose(t)))
                .toList();
    }

    /** One session's timeline and diagnosis; 404 with a reason when it is not held. */
    @GET
    @Path("/{id}")
    public Response one(@PathParam("id") String id) {
        Optional<TimelineView> t = timelines.view(id);
        if (t.isEmpty()) {
            return Response.status(Response.Status.NOT_FOUND)
                    .entity(new ApiError("no timeline for session " + id + ": no event named it, or it was dropped"
                            + " (older than " + config.timelines().maxAge() + " or beyond the newest "
                            + config.timelines().maxSessions() + " sessions)"))
                    .type(MediaType.APPLICATION_JSON)
                    .build();
        }
        return Response.ok(new SessionDetail(t.get(), diagnoser.diagnose(t.get()))).build();
    }
}
