package io.icemesh.monitor.probe;

import java.nio.ByteBuffer;
import java.security.SecureRandom;

/**
 * A STUN transaction id: 96 bits, chosen uniformly at random (RFC 8489 section 5), held as a long and an int so it
 * can key a map without copying arrays.
 */
public record TransactionId(long high, int low) {

    /** Octets of a transaction id on the wire. */
    public static final int LENGTH = 12;

    private static final SecureRandom RANDOM = new SecureRandom();

    public static TransactionId random() {
        return new TransactionId(RANDOM.nextLong(), RANDOM.nextInt());
    }

    /** Reads one at the buffer's position, advancing it by {@link #LENGTH}. */
    static TransactionId read(ByteBuffer in) {
        return new TransactionId(in.getLong(), in.getInt());
    }

    void write(ByteBuffer out) {
        out.putLong(high).putInt(low);
    }

    /** The 12 octets on the wire. */
    byte[] bytes() {
        ByteBuffer b = ByteBuffer.allocate(LENGTH);
        write(b);
        return b.array();
    }
}
