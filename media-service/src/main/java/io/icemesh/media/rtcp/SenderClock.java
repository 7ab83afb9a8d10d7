package io.icemesh.media.rtcp;

/**
 * What a publisher's last sender report said (RFC 3550 section 6.4.1) and when it arrived: the mapping of its RTP
 * clock to NTP wallclock, which the SFU extrapolates into its own sender reports to subscribers (so they keep lip sync),
 * and the LSR it echoes in receiver reports.
 *
 * @param ntp the 64-bit NTP timestamp
 * @param rtpTimestamp the RTP timestamp at that instant, unsigned 32-bit
 * @param arrivalNanos when the report arrived, in {@link System#nanoTime()}
 */
public record SenderClock(long ntp, long rtpTimestamp, long arrivalNanos) {

    /** The middle 32 bits of the NTP timestamp: the LSR field of a report block (RFC 3550 section 6.4.1). */
    public long middle32() {
        return (ntp >>> 16) & 0xFFFFFFFFL;
    }

    /** The NTP timestamp {@code nowNanos - arrivalNanos} after the report. */
    public long ntpAt(long nowNanos) {
        long elapsed = Math.max(0, nowNanos - arrivalNanos);
        long seconds = elapsed / 1_000_000_000L;
        long fraction = ((elapsed % 1_000_000_000L) << 32) / 1_000_000_000L;
        return ntp + (seconds << 32) + fraction;
    }

    /** The RTP timestamp at {@code nowNanos} for a clock of {@code clockRate} Hz, unsigned 32-bit. */
    public long rtpTimestampAt(long nowNanos, int clockRate) {
        long elapsed = Math.max(0, nowNanos - arrivalNanos);
        long ticks = (elapsed / 1_000L) * clockRate / 1_000_000L;
        return (rtpTimestamp + ticks) & 0xFFFFFFFFL;
    }
}
