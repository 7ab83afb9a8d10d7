package io.icemesh.media.ice;

import org.ice4j.ice.Agent;

/**
 * An ice4j {@link Agent} whose connectivity-check pacers stop once it is freed.
 *
 * <p>ice4j 3.2's {@code PeriodicRunnable} can outlive a cancel: a pacer's beat that has passed its "still running"
 * check when {@link #free()} cancels it (it is then working out its next delay) finds its future already cleared,
 * takes itself for a first run and schedules its next beat. It then fires
 * every Ta for the life of the process, with a freed agent and its streams kept reachable from the timer. A node
 * showed it after its boot warm-up: two such pacers at Ta 5 ms used about 17 ms of CPU per second with no endpoint
 * left (docs/benchmarks.md). Every beat asks the agent for Ta first, and a negative delay ends a {@code
 * PeriodicRunnable} for good, so a freed agent answers -1: a pacer that escaped the cancel ends at its next beat.
 */
class FreeableAgent extends Agent {

    private volatile boolean freed;

    @Override
    public void free() {
        freed = true;
        super.free();
    }

    /** Whether {@link #free()} was called. */
    boolean freed() {
        return freed;
    }

    /** Ta, or -1 once freed: what ends a pacer that outlived {@link #free()}'s cancel (see the class comment). */
    @Override
    protected long calculateTa() {
        return freed ? -1 : super.calculateTa();
    }
}
