package io.icemesh.turn.server;

import java.util.List;
import org.jboss.logging.Logger;

/**
 * Classes loaded before the JIT warm-up because the node would otherwise load them after it, and each one's loading
 * throws away code the warm-up compiled. C2 compiles on what the class hierarchy is at that moment: while
 * {@code ConcurrentHashMap} has no subclass loaded, a call on one is bound to its methods directly and a type check
 * against it is one compare. Loading a subclass later (Jackson's {@code InternCache} at the first JSON the node
 * writes, Vert.x's {@code FutureImpl$ListenerArray} for {@code ArrayList} when the HTTP server starts) makes every
 * method compiled on that assumption not entrant, and the node's first clients pay for compiling it again. One run on
 * 2026-12-08 lost 95 compiled methods this way after the warm-up, among them the allocation path's own.
 *
 * <p>The list is what {@code -XX:+LogCompilation} named as the witness of a failed dependency after the warm-up
 * ({@code turn-service/bench/jit-after-ready.sh} with {@code DEPENDENCIES=1} prints them). A class missing from the
 * class path (another version of a library) is skipped. Each is initialised too: a class only loaded counts for
 * C2's type checks, but a method it overrides counts only once the class is linked.
 */
final class WarmUpClasses {

    private static final Logger LOG = Logger.getLogger(WarmUpClasses.class);

    /** The classes, by name: some are not public, and a library's version may lack one. */
    static final List<String> NAMES = List.of(
            // Quarkus's HTTP server, started after the startup event (the warm-up runs in it)
            "io.vertx.core.impl.WorkerTask", // an AtomicInteger
            "io.vertx.core.impl.utils.LruCache", // a LinkedHashMap
            "io.vertx.core.impl.future.FutureImpl$ListenerArray", // an ArrayList
            "io.vertx.core.buffer.impl.VertxUnsafeHeapByteBuf", // a Netty heap buffer
            "io.vertx.core.impl.TaskQueue$ContinuationTask",
            "io.quarkus.runtime.QuarkusBindException", // a BindException
            // The first JSON the node writes (health checks, metrics, node announcements)
            "com.fasterxml.jackson.core.util.InternCache", // a ConcurrentHashMap
            "org.eclipse.parsson.JsonPrettyGeneratorImpl",
            // Kafka's producer at its first send
            "org.apache.kafka.common.internals.KafkaCompletableFuture", // a CompletableFuture
            "org.apache.kafka.clients.producer.KafkaProducer$AppendCallbacks", // a Callback
            // The node's TCP and TLS listeners and their connections
            "io.netty.channel.nio.AbstractNioMessageChannel",
            "io.netty.channel.socket.nio.NioServerSocketChannel",
            "io.netty.util.DefaultAttributeMap$DefaultAttribute", // an AtomicReference
            "io.netty.channel.StacklessClosedChannelException", // a ClosedChannelException
            "io.netty.buffer.UnpooledUnsafeHeapByteBuf",
            "io.netty.buffer.UnpooledByteBufAllocator$InstrumentedUnpooledUnsafeHeapByteBuf",
            "io.icemesh.turn.server.StreamClientConnection", // the other ClientConnection
            // SHA-224 next to the SHA-256 of MESSAGE-INTEGRITY-SHA256 (TLS loads it)
            "sun.security.provider.SHA2$SHA224");

    private WarmUpClasses() {
    }

    /** Loads and initialises each class of {@link #NAMES} there is; returns how many. */
    static int load(ClassLoader loader) {
        int loaded = 0;
        for (String name : NAMES) {
            try {
                Class.forName(name, true, loader);
                loaded++;
            } catch (ClassNotFoundException | LinkageError | RuntimeException e) {
                LOG.debugf("not loaded before the warm-up: %s (%s)", name, e.toString());
            }
        }
        return loaded;
    }
}
