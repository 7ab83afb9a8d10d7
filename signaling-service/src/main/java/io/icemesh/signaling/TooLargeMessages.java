package io.icemesh.signaling;

import io.icemesh.stun.TokenBucket;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Messages refused as too large: every one counted, and the ones the transport refused (the server stopped reading
 * them and closes the socket) logged as one WARN line at most per {@link #WARN_INTERVAL} for the whole server, since
 * anyone can send them before authenticating. The line says how many went unlogged since the last one.
 */
@ApplicationScoped
public class TooLargeMessages {

    /** At most one WARN line about oversized messages this often; the counter has the rest. */
    public static final Duration WARN_INTERVAL = Duration.ofSeconds(60);

    private static final Logger LOG = Logger.getLogger(TooLargeMessages.class);
    /** Vert.x's words for a message past {@code quarkus.websockets-next.server.max-message-size}. */
    private static final String VERTX_MESSAGE_OVERFLOW = "overflow max message size";

    private final Counter counter;
    private final TokenBucket warnings = new TokenBucket(1.0 / WARN_INTERVAL.toSeconds(), 1, System.nanoTime());
    private final AtomicLong unlogged = new AtomicLong();

    TooLargeMessages(MeterRegistry meters) {
        this.counter = Counter.builder("icemesh.signaling.messages.too_large")
                .description("WebSocket messages refused as too large, over the protocol's limit or the transport's")
                .register(meters);
    }

    /**
     * Whether a WebSocket failure is the transport refusing an oversized message: Vert.x's message aggregator
     * overflowing, or Netty's frame decoder meeting a frame over the frame limit (it has then closed with 1009).
     */
    public static boolean isOversized(Throwable failure) {
        if (failure instanceof CorruptedWebSocketFrameException corrupted) {
            return corrupted.closeStatus() != null
                    && corrupted.closeStatus().code() == WebSocketCloseStatus.MESSAGE_TOO_BIG.code();
        }
        return failure instanceof IllegalStateException
                && String.valueOf(failure.getMessage()).contains(VERTX_MESSAGE_OVERFLOW);
    }

    /** A message over the protocol's limit, answered with {@code too-large} on an open socket. */
    void refused() {
        counter.increment();
    }

    /** A message the transport stopped reading; the socket closes. Logs without the stack trace, rate-limited. */
    void refusedByTransport(String connectionId, Throwable failure) {
        counter.increment();
        boolean log;
        synchronized (warnings) {
            log = warnings.tryTake(1, System.nanoTime());
        }
        if (!log) {
            unlogged.incrementAndGet();
            return;
        }
        LOG.warnf("closed WebSocket %s: message too large (%s); %d more since the last such line, at most one line"
                + " per %s", connectionId, failure.getMessage(), unlogged.getAndSet(0), WARN_INTERVAL);
    }
}
