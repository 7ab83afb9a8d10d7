package io.icemesh.broker;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the local broker as its own process: {@code KafkaBrokerMain <dataDir> [port] [controllerPort]}.
 * Prints {@code READY <bootstrap>} once it serves, and stops cleanly on SIGTERM or Ctrl-C.
 */
public final class KafkaBrokerMain {

    private KafkaBrokerMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length < 1) {
            System.err.println("usage: KafkaBrokerMain <dataDir> [port=9092] [controllerPort=9093]");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 9092;
        int controllerPort = args.length > 2 ? Integer.parseInt(args[2]) : 9093;
        KafkaBroker broker = KafkaBroker.persistent(dir, port, controllerPort);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            stopped.countDown();
        }, "kafka-broker-stop"));
        try {
            broker.start();
        } catch (RuntimeException e) {
            System.err.println("Kafka broker failed to start: " + e.getMessage());
            System.exit(1);
        }
        System.out.println("READY " + broker.bootstrapServers());
        stopped.await();
    }
}
