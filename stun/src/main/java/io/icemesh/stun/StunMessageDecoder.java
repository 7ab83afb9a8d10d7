package io.icemesh.stun;

/**
 * Decodes STUN messages (RFC 8489 Sections 5, 6.3 and 14). Total: any input gives a message or null, never an
 * exception. A message is refused when its header is wrong, an attribute runs past the end, it has more than
 * {@link #MAX_ATTRIBUTES} attributes, FINGERPRINT is not last, or FINGERPRINT does not match.
 * Attributes after MESSAGE-INTEGRITY other than MESSAGE-INTEGRITY-SHA256 and FINGERPRINT are ignored
 * (RFC 8489 Section 14.5).
 */
public final class StunMessageDecoder {

    /** Largest STUN message: a 16-bit length after the 20-byte header. */
    public static final int MAX_MESSAGE_LENGTH = StunMessage.HEADER_LENGTH + 0xFFFF;
    /** Attributes indexed per message; real messages carry about a dozen, more is abuse. */
    public static final int MAX_ATTRIBUTES = 48;
    /** Length of the attribute type and length fields (RFC 8489 Section 14). */
    public static final int ATTRIBUTE_HEADER_LENGTH = 4;

    private StunMessageDecoder() {
    }

    /** True when the first two bits are zero, as in every STUN message (RFC 8489 Section 5). */
    public static boolean looksLikeStun(int firstByte) {
        return (firstByte & 0xC0) == 0;
    }

    /**
     * Decodes exactly {@code length} bytes at {@code offset} (one datagram or one stream frame).
     *
     * @return the message (owning a copy of the bytes), or null when the bytes are not a valid STUN message
     */
    public static StunMessage decode(byte[] buf, int offset, int length) {
        if (buf == null || offset < 0 || length < StunMessage.HEADER_LENGTH || offset + length > buf.length
                || length > MAX_MESSAGE_LENGTH) {
            return null;
        }
        if (!looksLikeStun(buf[offset]) || readInt(buf, offset + 4) != StunMessage.MAGIC_COOKIE) {
            return null;
        }
        int bodyLength = ((buf[offset + 2] & 0xFF) << 8) | (buf[offset + 3] & 0xFF);
        if ((bodyLength & 3) != 0 || StunMessage.HEADER_LENGTH + bodyLength != length) {
            return null;
        }
        byte[] bytes = new byte[length];
        System.arraycopy(buf, offset, bytes, 0, length);
        return index(bytes);
    }

    /** Decodes a whole array. */
    public static StunMessage decode(byte[] message) {
        return message == null ? null : decode(message, 0, message.length);
    }

    private static StunMessage index(byte[] bytes) {
        int type = ((bytes[0] & 0xFF) << 8) | (bytes[1] & 0xFF);
        int[] types = new int[MAX_ATTRIBUTES];
        int[] offsets = new int[MAX_ATTRIBUTES];
        int[] lengths = new int[MAX_ATTRIBUTES];
        int count = 0;
        int integrity = -1;
        int integritySha256 = -1;
        boolean fingerprint = false;
        int pos = StunMessage.HEADER_LENGTH;
        while (pos < bytes.length) {
            if (fingerprint || pos + ATTRIBUTE_HEADER_LENGTH > bytes.length) {
                return null;
            }
            int attrType = ((bytes[pos] & 0xFF) << 8) | (bytes[pos + 1] & 0xFF);
            int attrLength = ((bytes[pos + 2] & 0xFF) << 8) | (bytes[pos + 3] & 0xFF);
            int valueOffset = pos + ATTRIBUTE_HEADER_LENGTH;
            if (valueOffset + attrLength > bytes.length) {
                return null;
            }
            boolean afterIntegrity = integrity >= 0 || integritySha256 >= 0;
            if (attrType == StunAttributeType.FINGERPRINT) {
                if (attrLength != Fingerprint.VALUE_LENGTH || valueOffset + attrLength != bytes.length
                        || !Fingerprint.matches(bytes, pos)) {
                    return null;
                }
                fingerprint = true;
            } else if (attrType == StunAttributeType.MESSAGE_INTEGRITY && !afterIntegrity) {
                if (attrLength != MessageIntegrity.SHA1_LENGTH) {
                    return null;
                }
                integrity = pos;
            } else if (attrType == StunAttributeType.MESSAGE_INTEGRITY_SHA256 && integritySha256 < 0) {
                if (attrLength < MessageIntegrity.SHA256_MIN_LENGTH || attrLength > MessageIntegrity.SHA256_LENGTH
                        || (attrLength & 3) != 0) {
                    return null;
                }
                integritySha256 = pos;
            } else if (afterIntegrity) {
                pos = valueOffset + padded(attrLength);
                continue;
            }
            if (count == MAX_ATTRIBUTES) {
                return null;
            }
            types[count] = attrType;
            offsets[count] = valueOffset;
            lengths[count] = attrLength;
            count++;
            pos = valueOffset + padded(attrLength);
        }
        if (pos != bytes.length) {
            return null;
        }
        return new StunMessage(bytes, type, count, types, offsets, lengths, integrity, integritySha256, fingerprint);
    }

    /** A length rounded up to a multiple of 4 (attribute padding, RFC 8489 Section 14). */
    public static int padded(int length) {
        return (length + 3) & ~3;
    }

    static int readInt(byte[] b, int o) {
        return ((b[o] & 0xFF) << 24) | ((b[o + 1] & 0xFF) << 16) | ((b[o + 2] & 0xFF) << 8) | (b[o + 3] & 0xFF);
    }
}
