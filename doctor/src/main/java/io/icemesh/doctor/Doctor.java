package io.icemesh.doctor;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code icemesh doctor}: tests an ICE server list from this machine's network and says in plain words which server
 * costs a client its wait and what to list instead. Exit status 0 when every listed server works, 1 when one fails,
 * 2 when the list or the options cannot be used.
 */
public final class Doctor {

    static final String USAGE = """
            usage: icemesh doctor --ice-servers 'stun:host:port,turn:host:port?transport=udp,...'
                                  [--username U --credential C | --turn-secret S [--turn-user NAME]]
                   icemesh doctor --ice-servers '[{"urls": [...], "username": "...", "credential": "..."}]'
                   icemesh doctor --from http://signaling:8080 --token <room token> | --dev-token
              options: --json                machine-readable report
                       --client aiortc       also run a real aiortc gathering with the list (python3-aiortc)
                       --deadline SECONDS    stop every check after this long (default 30)
                       --slow-ms MS          call a server slow above this (default 150)
                       --ca-file FILE        also trust these PEM CA certificates for turns:/stuns:
                       --no-relay-test       skip the data round trip through each TURN relay
                       --dev-token           with --from: get a token from signaling's dev endpoint (local mesh)
              the TURN secret and the token may come from ICEMESH_DOCTOR_TURN_SECRET and ICEMESH_DOCTOR_TOKEN
              exit status: 0 every listed server works, 1 one or more fail, 2 bad options or list
            """;

    private Doctor() {
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintStream(System.out, true, StandardCharsets.UTF_8),
                new PrintStream(System.err, true, StandardCharsets.UTF_8)));
    }

    /** Runs the doctor; returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("icemesh doctor: " + e.getMessage());
            err.print(USAGE);
            return 2;
        }
        if (o.help) {
            out.print(USAGE);
            return 0;
        }
        List<IceServers.Entry> list;
        Tls tls;
        try {
            list = o.list();
            tls = Tls.withTrust(o.caFile);
        } catch (IceServers.BadListException | IOException | GeneralSecurityException | RuntimeException e) {
            err.println("icemesh doctor: " + e.getMessage());
            return 2;
        }
        List<Listed> urls = new ArrayList<>();
        for (IceServers.Entry e : list) {
            for (String u : e.urls()) {
                try {
                    urls.add(new Listed(IceServerUrl.parse(u), e));
                } catch (IceServerUrl.MalformedUrlException ex) {
                    err.println("icemesh doctor: " + ex.getMessage());
                    return 2;
                }
            }
        }
        Report report = diagnose(urls, o, tls);
        if (o.aiortc) {
            report.measured = AiortcGathering.run(list, Duration.ofSeconds(90));
        }
        out.print(o.json ? Json.write(report.json()) + "\n" : report.text());
        return report.anyFailed() ? 1 : 0;
    }

    /** One URL of the list and the entry (credentials) it came with. */
    private record Listed(IceServerUrl url, IceServers.Entry entry) {
        ServerResult failed(String cause) {
            ServerResult r = new ServerResult(url, entry.username(), entry.credential());
            r.fail(cause);
            return r;
        }
    }

    private static Report diagnose(List<Listed> urls, Options o, Tls tls) {
        ServerCheck check = new ServerCheck(new ServerCheck.Settings(Duration.ofSeconds(5), Duration.ofSeconds(3),
                Exchange.Schedule.DEFAULT, tls, o.slowMillis, o.relayTest));
        long start = System.nanoTime();
        long deadline = start + o.deadline.toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(32, Math.max(1, urls.size())), r -> {
            Thread t = new Thread(r, "icemesh-doctor");
            t.setDaemon(true);
            return t;
        });
        List<Future<ServerResult>> futures = new ArrayList<>();
        for (Listed u : urls) {
            futures.add(pool.submit(() -> check.check(u.url(), u.entry().username(), u.entry().credential())));
        }
        List<ServerResult> results = new ArrayList<>();
        for (int i = 0; i < futures.size(); i++) {
            try {
                results.add(futures.get(i).get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            } catch (TimeoutException ex) {
                results.add(urls.get(i).failed("had not finished when the doctor's deadline of "
                        + Report.seconds(o.deadline.toMillis()) + " passed"));
            } catch (ExecutionException ex) {
                results.add(urls.get(i).failed("the check stopped: " + ex.getCause()));
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                results.add(urls.get(i).failed("interrupted"));
            }
        }
        pool.shutdownNow();
        Set<InetSocketAddress> udp = new LinkedHashSet<>();
        for (ServerResult r : results) {
            if (r.ok() && r.address != null && r.url.transport() == IceServerUrl.Transport.UDP) {
                udp.add(r.address);
            }
        }
        Nat.Result nat = Nat.probe(new ArrayList<>(udp), Exchange.Schedule.DEFAULT);
        return new Report(results, nat, System.nanoTime() - start);
    }

    /** The command line. */
    static final class Options {
        String iceServers;
        String username;
        String credential;
        String turnSecret = System.getenv("ICEMESH_DOCTOR_TURN_SECRET");
        boolean turnSecretGiven;
        String turnUser = "icemesh-doctor";
        String from;
        String token = System.getenv("ICEMESH_DOCTOR_TOKEN");
        boolean json;
        boolean aiortc;
        boolean relayTest = true;
        boolean help;
        boolean devToken;
        double slowMillis = 150;
        Duration deadline = Duration.ofSeconds(30);
        Path caFile;

        /** Bounds --deadline (seconds) and --slow-ms alike: a day. */
        private static final double MAX_NUMBER = 86_400;

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                String v = null;
                int eq = a.indexOf('=');
                if (a.startsWith("--") && eq > 0) {
                    v = a.substring(eq + 1);
                    a = a.substring(0, eq);
                }
                switch (a) {
                    case "--json" -> o.json = true;
                    case "--no-relay-test" -> o.relayTest = false;
                    case "--dev-token" -> o.devToken = true;
                    case "-h", "--help" -> o.help = true;
                    default -> {
                        if (v == null) {
                            if (i + 1 >= args.length) {
                                throw new IllegalArgumentException(a + " needs a value");
                            }
                            v = args[++i];
                        }
                        switch (a) {
                            case "--ice-servers" -> o.iceServers = v;
                            case "--username" -> o.username = v;
                            case "--credential" -> o.credential = v;
                            case "--turn-secret" -> {
                                o.turnSecret = v;
                                o.turnSecretGiven = true;
                            }
                            case "--turn-user" -> o.turnUser = v;
                            case "--from" -> o.from = v;
                            case "--token" -> o.token = v;
                            case "--ca-file" -> o.caFile = Path.of(v);
                            case "--client" -> {
                                if (!v.equals("aiortc")) {
                                    throw new IllegalArgumentException("--client takes aiortc (the only client the "
                                            + "doctor can run for real), not '" + v + "'");
                                }
                                o.aiortc = true;
                            }
                            case "--deadline" -> o.deadline = Duration.ofMillis((long) (number(a, v) * 1000));
                            case "--slow-ms" -> o.slowMillis = number(a, v);
                            default -> throw new IllegalArgumentException("unknown option " + a);
                        }
                    }
                }
            }
            if (o.help) {
                return o;
            }
            if ((o.iceServers == null) == (o.from == null)) {
                throw new IllegalArgumentException("give either --ice-servers or --from");
            }
            if (o.from != null && (o.token == null || o.token.isBlank()) && !o.devToken) {
                throw new IllegalArgumentException("--from needs --token (a room token) or --dev-token");
            }
            if ((o.username == null) != (o.credential == null)) {
                throw new IllegalArgumentException("--username and --credential go together");
            }
            if (o.username != null && o.turnSecretGiven) {
                throw new IllegalArgumentException("give --username/--credential or --turn-secret, not both");
            }
            if (o.username != null) {
                o.turnSecret = null; // explicit credentials win over ICEMESH_DOCTOR_TURN_SECRET from the environment
            }
            return o;
        }

        private static double number(String option, String v) {
            try {
                double d = Double.parseDouble(v);
                if (!(d > 0) || d > MAX_NUMBER) {
                    throw new NumberFormatException();
                }
                return d;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " takes a number above 0 and at most " + (long) MAX_NUMBER
                        + ", not '" + v + "'");
            }
        }

        List<IceServers.Entry> list() throws IceServers.BadListException {
            List<IceServers.Entry> list = from != null
                    ? IceServers.fromSignaling(from, devToken && (token == null || token.isBlank())
                            ? IceServers.devToken(from, Duration.ofSeconds(10)) : token, Duration.ofSeconds(10))
                    : IceServers.fromArgument(iceServers, username, credential);
            if (turnSecret != null) {
                list = IceServers.withTurnSecret(list, turnSecret, turnUser, Duration.ofHours(1));
            }
            return list;
        }
    }
}
