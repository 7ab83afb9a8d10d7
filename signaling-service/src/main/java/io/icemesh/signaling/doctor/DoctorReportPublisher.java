package io.icemesh.signaling.doctor;

import io.icemesh.events.v1.DoctorReport;
import io.icemesh.events.v1.EventMessages;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.URI;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

/**
 * Publishes shared ICE doctor reports on {@code icemesh.doctor-reports} as CloudEvents (binary mode), keyed by report
 * id. Sending never blocks the request: reports wait in the emitter's buffer and then in the producer, which retries
 * until the broker is back; when even the buffer is full the request is told so (503) instead of failing.
 */
@ApplicationScoped
public class DoctorReportPublisher {

    /** The outgoing channel; its topic and serializer are in application.properties. */
    public static final String CHANNEL = "doctor-reports";

    static final URI SOURCE = URI.create("/icemesh/signaling-service");
    private static final Logger LOG = Logger.getLogger(DoctorReportPublisher.class);

    /** Reports held while the producer is busy (a few KiB each). */
    private static final int BUFFER_SIZE = 1024;

    @Inject
    @Channel(CHANNEL)
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = BUFFER_SIZE)
    Emitter<DoctorReport> emitter;

    /** Hands the report to the producer; false when it cannot take it now (its buffer is full during an outage). */
    public boolean publish(DoctorReport report) {
        try {
            send(report);
            return true;
        } catch (RuntimeException e) {
            LOG.warnf("doctor report %s not published: %s", report.reportId(), e.toString());
            return false;
        }
    }

    private void send(DoctorReport report) {
        emitter.send(EventMessages.of(report, report.reportId(), report.reportId(), DoctorReport.CLOUD_EVENT_TYPE,
                SOURCE));
    }
}
