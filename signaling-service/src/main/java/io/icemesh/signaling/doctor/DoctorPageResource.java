package io.icemesh.signaling.doctor;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.net.URI;

/**
 * {@code GET /doctor}: the ICE doctor page ({@code doctor.html}, a static resource beside the web client), with the
 * query kept, so that {@code /doctor?run=1} is the address people type and link to.
 */
@Path("/doctor")
public class DoctorPageResource {

    @GET
    public Response page(@Context UriInfo uri) {
        String query = uri.getRequestUri().getRawQuery();
        return Response.seeOther(URI.create("/doctor.html" + (query == null ? "" : "?" + query))).build();
    }
}
