package io.icemesh.stun;

/**
 * The ChannelData message (RFC 8656 Section 12.4): a 2-byte channel number, a 2-byte length and the data. Over TCP
 * and TLS the message is padded to a multiple of 4 bytes (Section 12.5); over UDP padding is optional.
 * These are static helpers on raw bytes, so the relay path never builds an object per packet.
 */
public final class ChannelData {

    /** The ChannelData header length. */
    public static final int HEADER_LENGTH = 4;
    /** Lowest channel number (RFC 8656 Section 12). */
    public static final int MIN_CHANNEL = 0x4000;
    /** Highest channel number (RFC 8656 Section 12). */
    public static final int MAX_CHANNEL = 0x4FFF;
    /**
     * Highest channel number of RFC 5766 Section 11, which RFC 8656 narrowed. coturn 4.6.1's client and libwebrtc
     * still pick numbers up to here, and coturn and pion servers accept them.
     */
    public static final int MAX_LEGACY_CHANNEL = 0x7FFF;
    /** Largest ChannelData message: a 16-bit length after the header. */
    public static final int MAX_MESSAGE_LENGTH = HEADER_LENGTH + 0xFFFF;

    private ChannelData() {
    }

    /** True for a channel number of RFC 8656 (0x4000-0x4FFF). */
    public static boolean isValidChannel(int channel) {
        return channel >= MIN_CHANNEL && channel <= MAX_CHANNEL;
    }

    /** True for a channel number of RFC 5766 (0x4000-0x7FFF). */
    public static boolean isLegacyChannel(int channel) {
        return channel >= MIN_CHANNEL && channel <= MAX_LEGACY_CHANNEL;
    }

    /** True when a packet's first byte can start ChannelData (first two bits 01: 64-127). */
    public static boolean looksLikeChannelData(int firstByte) {
        return (firstByte & 0xC0) == 0x40;
    }

    /**
     * The payload length of a ChannelData datagram of {@code available} bytes, or -1 when the header is invalid
     * or says more bytes than are there (RFC 8656 Section 12.4: such a message is discarded).
     */
    public static int payloadLength(int channel, int declaredLength, int available) {
        if (!isLegacyChannel(channel) || available < HEADER_LENGTH || declaredLength > available - HEADER_LENGTH) {
            return -1;
        }
        return declaredLength;
    }

    /** The length of a ChannelData frame on a stream: header, data and padding to 4 (RFC 8656 Section 12.5). */
    public static int streamFrameLength(int declaredLength) {
        return HEADER_LENGTH + StunMessageDecoder.padded(declaredLength);
    }

    /** Encodes a ChannelData message into a new array (tests, clients; the relay writes headers in place). */
    public static byte[] encode(int channel, byte[] data, boolean pad) {
        int total = HEADER_LENGTH + (pad ? StunMessageDecoder.padded(data.length) : data.length);
        byte[] out = new byte[total];
        out[0] = (byte) (channel >> 8);
        out[1] = (byte) channel;
        out[2] = (byte) (data.length >> 8);
        out[3] = (byte) data.length;
        System.arraycopy(data, 0, out, HEADER_LENGTH, data.length);
        return out;
    }
}
