package io.icemesh.doctor;

import static org.awaitility.Awaitility.await;

import io.icemesh.testkit.ExternalProcess;
import io.icemesh.testkit.FreePorts;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real coturn 4.6.1 ({@code turnserver}, Debian's coturn package) on loopback: STUN and TURN over UDP and TCP on
 * one port with TURN REST credentials from a shared secret, optionally TLS on a second port with the given PEM
 * certificate and key. Loopback peers are allowed so that the doctor's relay round trip stays on loopback.
 */
final class Coturn implements AutoCloseable {

    final int port;
    final int tlsPort;
    private final Process process;
    private final Path log;

    private Coturn(int port, int tlsPort, Process process, Path log) {
        this.port = port;
        this.tlsPort = tlsPort;
        this.process = process;
        this.log = log;
    }

    /** Starts coturn with {@code secret}; TLS too when {@code certAndKey} is given ({cert.pem, key.pem}). */
    static Coturn start(Path dir, String secret, Path[] certAndKey, int relayMin) throws IOException {
        int[] ports = FreePorts.tcpAndUdp(2);
        int port = ports[0];
        int tls = certAndKey == null ? 0 : ports[1];
        Path log = dir.resolve("turnserver-" + port + ".log");
        List<String> cmd = new ArrayList<>(List.of(ExternalProcess.binary("turnserver", "coturn").toString(), "-n",
                "--listening-ip=127.0.0.1", "--listening-port=" + port, "--relay-ip=127.0.0.1",
                "--use-auth-secret", "--static-auth-secret=" + secret, "--realm=doctor.test", "--no-dtls",
                "--no-cli", "--no-software-attribute", "--allow-loopback-peers", "--log-file=stdout", "--simple-log",
                "--min-port=" + relayMin, "--max-port=" + (relayMin + 199),
                "--pidfile=" + dir.resolve("turnserver-" + port + ".pid"),
                "--userdb=" + dir.resolve("turndb-" + port + ".sqlite")));
        if (certAndKey == null) {
            cmd.add("--no-tls");
        } else {
            cmd.addAll(List.of("--tls-listening-port=" + tls, "--cert=" + certAndKey[0], "--pkey=" + certAndKey[1]));
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Coturn c = new Coturn(port, tls, p, log);
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            if (!p.isAlive()) {
                throw new AssertionError("coturn exited: " + c.log());
            }
            return answersBinding(port) && (tls == 0 || accepts(tls));
        });
        return c;
    }

    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** A self-signed certificate for {@code name} (openssl): {cert.pem, key.pem}. */
    static Path[] certificate(Path dir, String name) throws Exception {
        Path cert = dir.resolve(name + "-cert.pem");
        Path key = dir.resolve(name + "-key.pem");
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key.toString(), "-out", cert.toString(),
                "-days", "2", "-subj", "/CN=" + name, "-addext", "subjectAltName=DNS:" + name)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new AssertionError("openssl failed: " + out);
        }
        return new Path[] {cert, key};
    }

    private static boolean answersBinding(int port) {
        byte[] req = io.icemesh.stun.StunMessageBuilder.of(io.icemesh.stun.StunMessageType.BINDING_REQUEST,
                ServerCheck.newId()).build();
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(200);
            s.send(new DatagramPacket(req, req.length, InetAddress.getLoopbackAddress(), port));
            s.receive(new DatagramPacket(new byte[1500], 1500));
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
