package io.icemesh.monitor.api;

import io.icemesh.monitor.probe.ServerStatus;
import io.icemesh.monitor.probe.ServerStatuses;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** What the probes know about every probed ICE server. */
@Path("/api/servers")
@Produces(MediaType.APPLICATION_JSON)
public class ServerResource {

    private final ServerStatuses servers;

    ServerResource(ServerStatuses servers) {
        this.servers = servers;
    }

    @GET
    public List<ServerStatus> all() {
        return servers.all();
    }
}
