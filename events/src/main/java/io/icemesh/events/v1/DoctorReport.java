package io.icemesh.events.v1;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * An ICE doctor result a user chose to share (the {@code /doctor} page's "send this report"), published by signaling
 * on {@link Topics#DOCTOR_REPORTS}, keyed by report id, so that operators see what users' networks make of the ICE
 * servers. Carries no credentials and no client address.
 *
 * @param schemaVersion {@link EventSchema#VERSION}
 * @param reportId      a random id signaling gives the report
 * @param atMs          epoch milliseconds when signaling took it
 * @param source        where the test ran: {@code browser} (the page) or {@code cli}
 * @param sessionId     the room token's session id, null when the token names none
 * @param client        a short client description (the browser's user agent, cut to 200 characters), may be null
 * @param urls          the verdict per URL, as the user saw it
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DoctorReport(
        int schemaVersion,
        String reportId,
        long atMs,
        String source,
        String sessionId,
        String client,
        List<UrlVerdict> urls) {

    /** The CloudEvents type of every report. */
    public static final String CLOUD_EVENT_TYPE = EventSchema.CE_TYPE_PREFIX + "doctor.report.v" + EventSchema.VERSION;

    /**
     * One URL's verdict.
     *
     * @param url    the ICE server URL (stun:, stuns:, turn:, turns:)
     * @param status {@code ok}, {@code slow} or {@code failed}
     * @param ms     time to the server's answer, or to the doctor's deadline when it never answered; null if unknown
     * @param text   the verdict in plain words
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record UrlVerdict(String url, String status, Double ms, String text) {
    }
}
