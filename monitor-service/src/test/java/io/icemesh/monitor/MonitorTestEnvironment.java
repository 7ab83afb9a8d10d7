package io.icemesh.monitor;

import io.icemesh.broker.KafkaBrokerResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.Map;

/**
 * What every monitor @QuarkusTest runs against: the shared real Kafka broker, and one configured ICE server that
 * resolves but never answers (a bound UDP socket on loopback that reads nothing), the way a dead STUN server looks
 * to a client. All monitor tests use this one resource so that they share one application start.
 */
public class MonitorTestEnvironment implements QuarkusTestResourceLifecycleManager {

    /** The config key the tests read the silent server's URL back from. */
    public static final String PROBE_SERVERS = "icemesh.monitor.probe.servers";

    private DatagramSocket silent;

    @Override
    public Map<String, String> start() {
        try {
            silent = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        } catch (SocketException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of(
                "kafka.bootstrap.servers", KafkaBrokerResource.broker().bootstrapServers(),
                PROBE_SERVERS, "stun:127.0.0.1:" + silent.getLocalPort());
    }

    @Override
    public void stop() {
        if (silent != null) {
            silent.close();
        }
    }
}
