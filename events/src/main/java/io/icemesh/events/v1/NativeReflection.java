package io.icemesh.events.v1;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Native-image registration for the event contract. {@link EventJson}'s own ObjectMapper reads and writes these
 * records and enums by reflection inside Kafka serializers, where Quarkus cannot see the types at build time (unlike
 * REST or WebSocket payloads, which it registers itself), so a native executable would otherwise write empty JSON
 * and fail to read events. The services find this class through the module's bean archive (META-INF/beans.xml).
 */
@RegisterForReflection(targets = {
        SessionEvent.class, SessionEventType.class,
        TurnEvent.class, TurnEventType.class,
        NodeAnnouncement.class, NodeKind.class,
        ServerHealth.class,
        DoctorReport.class, DoctorReport.UrlVerdict.class,
        MediaCommand.class, MediaCommandType.class,
        MediaReply.class, MediaReplyType.class,
        EventSource.class})
public final class NativeReflection {

    private NativeReflection() {
    }
}
