package io.icemesh.turn.server;

import java.io.IOException;
import java.util.function.LongSupplier;
import org.jboss.logging.Logger;

/**
 * Runs the warm-up's allocations in passes until the JIT has nothing left to compile for them: after each pass it
 * waits for the compilers to go idle, and a pass whose allocations (and that wait) cost less than
 * {@code settledMillis} of compilation ends the warm-up. One long run would not do: C2 raises its thresholds with
 * the length of its queue, which a warm-up keeps long, so many of the allocation path's methods would still wait at
 * the profiling tier when the node opens, and its first clients would pay for compiling them (measured on
 * 2026-12-08: about 300 methods compiled by C2 after readiness; docs/benchmarks.md). A pass after an idle spell
 * finds the queue short, and the methods that were held back get compiled then.
 */
final class WarmUpPasses {

    private static final Logger LOG = Logger.getLogger(WarmUpPasses.class);

    /** One pass: runs up to {@code allocations} and says how many completed and failed. */
    @FunctionalInterface
    interface Pass {
        WarmUpClient.Result run(int allocations) throws IOException;
    }

    /** Waits until the compilers are idle (or the deadline). */
    @FunctionalInterface
    interface Settle {
        void await() throws InterruptedException;
    }

    /** What the passes did: allocations completed and failed, passes run, compilation in all and in the last. */
    record Outcome(int allocations, int failures, int passes, long compilationMillis, long lastPassCompilationMillis) {
    }

    private final int perPass;
    private final int maxPasses;
    private final long settledMillis;
    private final LongSupplier compilationMillis;
    private final LongSupplier nanoTime;
    private final long deadlineNanos;

    /**
     * @param compilationMillis the JIT's total compilation time so far (always 0 where the JVM does not measure it:
     *                          then one pass is run)
     */
    WarmUpPasses(int perPass, int maxPasses, long settledMillis, LongSupplier compilationMillis, LongSupplier nanoTime,
            long deadlineNanos) {
        if (perPass <= 0 || maxPasses <= 0) {
            throw new IllegalArgumentException("a warm-up pass needs allocations and at least one pass");
        }
        this.perPass = perPass;
        this.maxPasses = maxPasses;
        this.settledMillis = settledMillis;
        this.compilationMillis = compilationMillis;
        this.nanoTime = nanoTime;
        this.deadlineNanos = deadlineNanos;
    }

    /**
     * Runs passes until one compiles less than the settled amount, {@code maxPasses} have run, the deadline passes,
     * or a pass completes fewer allocations than asked (it hit the deadline or its server stopped answering).
     */
    Outcome run(Pass pass, Settle settle) throws IOException, InterruptedException {
        int allocations = 0;
        int failures = 0;
        int passes = 0;
        long compiled = 0;
        long last = 0;
        do {
            long before = compilationMillis.getAsLong();
            WarmUpClient.Result result = pass.run(perPass);
            settle.await();
            passes++;
            allocations += result.allocations();
            failures += result.failures();
            last = compilationMillis.getAsLong() - before;
            compiled += last;
            LOG.debugf("warm-up pass %d: %d allocations, %d ms of compilation", passes, result.allocations(), last);
            if (result.allocations() < perPass || last < settledMillis) {
                break;
            }
        } while (passes < maxPasses && nanoTime.getAsLong() - deadlineNanos < 0);
        return new Outcome(allocations, failures, passes, compiled, last);
    }
}
