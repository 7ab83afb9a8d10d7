package io.icemesh.monitor.doctor;

import io.icemesh.events.v1.DoctorReport;
import io.icemesh.monitor.metrics.MalformedRecords;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Consumes {@code icemesh.doctor-reports} (signaling's {@code POST /api/doctor/reports}) from the beginning, with a
 * consumer group of this instance's own, into {@link DoctorReports}. An unreadable record is counted and dropped.
 */
@Startup
@ApplicationScoped
public class DoctorReportConsumer {

    private final DoctorReports reports;
    private final Counter malformed;

    DoctorReportConsumer(DoctorReports reports, MeterRegistry meters) {
        this.reports = reports;
        malformed = MalformedRecords.counter(meters, "doctor-reports");
    }

    @Incoming("doctor-reports")
    public void onRecord(ConsumerRecord<String, DoctorReport> record) {
        if (record.value() == null) {
            malformed.increment();
            return;
        }
        reports.add(record.value());
    }
}
