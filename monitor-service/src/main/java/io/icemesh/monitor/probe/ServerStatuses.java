package io.icemesh.monitor.probe;

import java.util.List;
import java.util.Optional;

/** Read access to the probes' view of ICE servers, for the diagnosis and the REST API. */
public interface ServerStatuses {

    /** The status of one probed server; empty if the URL is not probed. */
    Optional<ServerStatus> status(String url);

    /** Every probed server, in URL order. */
    List<ServerStatus> all();
}
