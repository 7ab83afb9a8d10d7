package io.icemesh.monitor.api;

import io.icemesh.events.v1.DoctorReport;
import io.icemesh.monitor.doctor.DoctorReports;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** {@code GET /api/doctor-reports?limit=N}: the ICE doctor reports users shared, newest first. */
@Path("/api/doctor-reports")
@Produces(MediaType.APPLICATION_JSON)
public class DoctorReportResource {

    private static final int MAX_LIMIT = 200;

    private final DoctorReports reports;

    DoctorReportResource(DoctorReports reports) {
        this.reports = reports;
    }

    @GET
    public List<DoctorReport> latest(@QueryParam("limit") @DefaultValue("50") int limit) {
        return reports.latest(Math.max(1, Math.min(limit, MAX_LIMIT)));
    }
}
