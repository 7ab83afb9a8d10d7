package io.icemesh.doctor;

import io.icemesh.stun.StunMessage;
import io.icemesh.stun.StunMessageType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One STUN transaction as a client runs it (RFC 8489 section 6.2.1): over UDP the request is retransmitted after
 * RTO, 2×RTO, ... up to {@code tries} sends, then the client waits {@code lastWaitMultiplier}×RTO more (RFC 8489's Rm, 16 there; 4 here so that a
 * dead server costs the doctor 3.5 s, not 9.5 s); over TCP or
 * TLS it is sent once and the client waits for the whole schedule's time. The outcome keeps when each try left, so a
 * report can say "answered on the 2nd try" or "never answered (3 tries over 1.5 s)".
 */
final class Exchange {

    /** The retransmission schedule. */
    record Schedule(long rtoMillis, int tries, int lastWaitMultiplier) {
        /** The doctor's default: 500 ms RTO (RFC 8489's recommended initial value), 3 tries, 2 s after the last. */
        static final Schedule DEFAULT = new Schedule(500, 3, 4);

        /** When try {@code i} (0-based) leaves, in ms after the first. */
        long sendAt(int i) {
            long at = 0;
            for (int k = 0; k < i; k++) {
                at += rtoMillis << k;
            }
            return at;
        }

        /** When the client gives up, in ms after the first send. */
        long giveUpAt() {
            return sendAt(tries - 1) + rtoMillis * lastWaitMultiplier;
        }
    }

    /**
     * What one transaction saw.
     *
     * @param answer       the response (success or error), or null when none came
     * @param sentAtMillis when each try left, ms after the first
     * @param elapsedNanos first send to the answer (or to giving up)
     */
    record Outcome(StunMessage answer, List<Long> sentAtMillis, long elapsedNanos) {
        boolean answered() {
            return answer != null;
        }

        double elapsedMillis() {
            return elapsedNanos / 1e6;
        }

        /** "2 tries over 0.5 s" and the like. */
        String triesText() {
            int n = sentAtMillis.size();
            long last = sentAtMillis.get(n - 1);
            return n + (n == 1 ? " try" : " tries") + (n == 1 ? "" : " over " + Report.seconds(last));
        }
    }

    private Exchange() {
    }

    /**
     * Runs the transaction; returns the response carrying the request's transaction id, or no answer. Each try leaves
     * at its time in the schedule (never early, even when the channel returned at once); a UDP channel refused by
     * ICMP port unreachable ends it.
     */
    static Outcome run(StunChannel channel, byte[] request, Schedule schedule) throws IOException {
        byte[] id = Arrays.copyOfRange(request, 8, 20);
        long start = System.nanoTime();
        List<Long> sent = new ArrayList<>();
        int tries = channel.reliable() ? 1 : schedule.tries();
        long giveUp = start + schedule.giveUpAt() * 1_000_000;
        for (int i = 0; i < tries && !channel.refused(); i++) {
            long early = start + schedule.sendAt(i) * 1_000_000 - System.nanoTime();
            if (early > 0) {
                try {
                    Thread.sleep(early / 1_000_000, (int) (early % 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            sent.add((System.nanoTime() - start) / 1_000_000);
            channel.send(request);
            long waitUntil = i + 1 < tries ? start + schedule.sendAt(i + 1) * 1_000_000 : giveUp;
            StunMessage m;
            while ((m = channel.receive(waitUntil)) != null) {
                if (m.hasTransactionId(id) && m.messageClass() >= StunMessageType.CLASS_SUCCESS) {
                    return new Outcome(m, List.copyOf(sent), System.nanoTime() - start);
                }
            }
        }
        return new Outcome(null, List.copyOf(sent), System.nanoTime() - start);
    }
}
