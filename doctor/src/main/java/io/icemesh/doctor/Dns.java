package io.icemesh.doctor;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Resolves a server's host name the way clients do (the system resolver), timed, with a deadline: a name that does
 * not exist fails fast (the resolver answers), a resolver that does not answer runs into the deadline. Address
 * literals need no lookup.
 */
final class Dns {

    /**
     * What the lookup gave.
     *
     * @param literal   the host was an address literal
     * @param addresses what it resolved to, in the resolver's order (empty on failure)
     * @param nanos     how long the lookup took
     * @param error     null, or why it failed in plain words
     */
    record Result(boolean literal, List<InetAddress> addresses, long nanos, String error) {
        boolean ok() {
            return error == null;
        }

        double millis() {
            return nanos / 1e6;
        }

        /** The address a client would use: aiortc's gethostbyname takes the first IPv4 one; else the first. */
        InetAddress first() {
            return addresses.stream().filter(a -> a instanceof Inet4Address).findFirst()
                    .orElse(addresses.isEmpty() ? null : addresses.get(0));
        }
    }

    private Dns() {
    }

    static boolean isLiteral(String host) {
        return host.contains(":") || host.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    }

    static Result resolve(String host, long timeoutMillis) {
        long start = System.nanoTime();
        if (isLiteral(host)) {
            try {
                return new Result(true, List.of(InetAddress.getByName(host)), 0, null);
            } catch (UnknownHostException e) {
                return new Result(true, List.of(), 0, "'" + host + "' is not a valid address");
            }
        }
        // A thread of its own per lookup: a resolver that hangs on one name must not queue the others behind it.
        CompletableFuture<InetAddress[]> lookup = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                lookup.complete(InetAddress.getAllByName(host));
            } catch (UnknownHostException | RuntimeException e) {
                lookup.completeExceptionally(e);
            }
        }, "icemesh-doctor-dns");
        t.setDaemon(true);
        t.start();
        try {
            InetAddress[] all = lookup.get(timeoutMillis, TimeUnit.MILLISECONDS);
            return new Result(false, Arrays.asList(all), System.nanoTime() - start, null);
        } catch (TimeoutException e) {
            lookup.cancel(true);
            return new Result(false, List.of(), System.nanoTime() - start,
                    "the resolver gave no answer for '" + host + "' within " + Report.seconds(timeoutMillis));
        } catch (ExecutionException e) {
            long nanos = System.nanoTime() - start;
            // Java does not tell NXDOMAIN from SERVFAIL or "temporary failure"; the resolver's answer came, whatever it was
            return new Result(false, List.of(), nanos, "the name '" + host + "' does not resolve (the resolver "
                    + "answered within " + Report.millis(nanos / 1e6) + ": no such name, or it refused)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(false, List.of(), System.nanoTime() - start, "interrupted");
        }
    }
}
