package io.icemesh.turn.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** When the warm-up's passes stop: once the JIT has settled, at the pass limit, at the deadline, or cut short. */
class WarmUpPassesTest {

    /** A JIT whose compilation time grows by the next of {@code perPass} during each pass. */
    private static final class FakeJit {
        final AtomicLong total = new AtomicLong();
        final long[] perPass;
        final List<Integer> asked = new ArrayList<>();
        int settles;
        int pass;

        FakeJit(long... perPass) {
            this.perPass = perPass;
        }

        WarmUpClient.Result run(int allocations, int completed) {
            asked.add(allocations);
            total.addAndGet(perPass[Math.min(pass++, perPass.length - 1)]);
            return new WarmUpClient.Result(completed, allocations - completed);
        }
    }

    @Test
    void stopsAfterThePassThatCompiledLessThanTheSettledAmount() throws Exception {
        FakeJit jit = new FakeJit(500, 300, 19, 400);
        WarmUpPasses.Outcome outcome = new WarmUpPasses(2000, 10, 20, jit.total::get, () -> 0L, 1_000)
                .run(n -> jit.run(n, n), () -> jit.settles++);
        assertEquals(new WarmUpPasses.Outcome(6000, 0, 3, 819, 19), outcome);
        assertEquals(List.of(2000, 2000, 2000), jit.asked);
        assertEquals(3, jit.settles, "the compilers are waited for after every pass");
    }

    @Test
    void stopsAtThePassLimitWhileTheJitIsStillBusy() throws Exception {
        FakeJit jit = new FakeJit(500);
        WarmUpPasses.Outcome outcome = new WarmUpPasses(100, 4, 20, jit.total::get, () -> 0L, 1_000)
                .run(n -> jit.run(n, n), () -> { });
        assertEquals(new WarmUpPasses.Outcome(400, 0, 4, 2000, 500), outcome);
    }

    @Test
    void stopsAtTheDeadline() throws Exception {
        FakeJit jit = new FakeJit(500);
        AtomicLong now = new AtomicLong(0);
        WarmUpPasses.Outcome outcome = new WarmUpPasses(100, 10, 20, jit.total::get, now::get, 1_000)
                .run(n -> {
                    now.addAndGet(400);
                    return jit.run(n, n);
                }, () -> { });
        assertEquals(3, outcome.passes(), "400, 800: before the deadline; 1200: past it");
        assertEquals(300, outcome.allocations());
    }

    @Test
    void stopsAfterAPassThatCompletedFewerAllocationsThanAsked() throws Exception {
        FakeJit jit = new FakeJit(500);
        WarmUpPasses.Outcome outcome = new WarmUpPasses(100, 10, 20, jit.total::get, () -> 0L, 1_000)
                .run(n -> jit.run(n, jit.pass == 1 ? 37 : n), () -> { });
        assertEquals(new WarmUpPasses.Outcome(137, 63, 2, 1000, 500), outcome);
    }

    @Test
    void runsOnePassWhereTheJvmDoesNotMeasureCompilation() throws Exception {
        FakeJit jit = new FakeJit(500);
        WarmUpPasses.Outcome outcome = new WarmUpPasses(100, 10, 20, () -> 0L, () -> 0L, 1_000)
                .run(n -> jit.run(n, n), () -> { });
        assertEquals(1, outcome.passes());
    }

    @Test
    void refusesAPassWithoutAllocations() {
        assertThrows(IllegalArgumentException.class, () -> new WarmUpPasses(0, 10, 20, () -> 0L, () -> 0L, 1_000));
        assertThrows(IllegalArgumentException.class, () -> new WarmUpPasses(100, 0, 20, () -> 0L, () -> 0L, 1_000));
    }
}
