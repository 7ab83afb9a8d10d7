package io.icemesh.stun;

/**
 * STUN message types: a method and a class packed into 14 bits (RFC 8489 Section 5, Figure 3).
 * TURN methods are from RFC 8656 Section 17.
 */
public final class StunMessageType {

    /** Binding, RFC 8489 Section 18.2. */
    public static final int METHOD_BINDING = 0x001;
    /** Allocate, RFC 8656 Section 7. */
    public static final int METHOD_ALLOCATE = 0x003;
    /** Refresh, RFC 8656 Section 8. */
    public static final int METHOD_REFRESH = 0x004;
    /** Send (indication only), RFC 8656 Section 11. */
    public static final int METHOD_SEND = 0x006;
    /** Data (indication only), RFC 8656 Section 11. */
    public static final int METHOD_DATA = 0x007;
    /** CreatePermission, RFC 8656 Section 10. */
    public static final int METHOD_CREATE_PERMISSION = 0x008;
    /** ChannelBind, RFC 8656 Section 12. */
    public static final int METHOD_CHANNEL_BIND = 0x009;
    /** Connect (TCP allocations), RFC 6062 Section 6.1. */
    public static final int METHOD_CONNECT = 0x00A;
    /** ConnectionBind (TCP allocations), RFC 6062 Section 6.1. */
    public static final int METHOD_CONNECTION_BIND = 0x00B;
    /** ConnectionAttempt (indication only, TCP allocations), RFC 6062 Section 6.1. */
    public static final int METHOD_CONNECTION_ATTEMPT = 0x00C;

    public static final int CLASS_REQUEST = 0b00;
    public static final int CLASS_INDICATION = 0b01;
    public static final int CLASS_SUCCESS = 0b10;
    public static final int CLASS_ERROR = 0b11;

    public static final int BINDING_REQUEST = of(METHOD_BINDING, CLASS_REQUEST);
    public static final int BINDING_SUCCESS = of(METHOD_BINDING, CLASS_SUCCESS);
    public static final int SEND_INDICATION = of(METHOD_SEND, CLASS_INDICATION);
    public static final int DATA_INDICATION = of(METHOD_DATA, CLASS_INDICATION);

    private StunMessageType() {
    }

    /** Packs a method and class into a message type (the M and C bits interleave). */
    public static int of(int method, int messageClass) {
        return ((method & 0xF80) << 2) | ((method & 0x070) << 1) | (method & 0x00F)
                | ((messageClass & 0b10) << 7) | ((messageClass & 0b01) << 4);
    }

    /** The method of a message type. */
    public static int method(int type) {
        return ((type >> 2) & 0xF80) | ((type >> 1) & 0x070) | (type & 0x00F);
    }

    /** The class of a message type. */
    public static int messageClass(int type) {
        return ((type >> 7) & 0b10) | ((type >> 4) & 0b01);
    }

    /** The success-response type for a request type. */
    public static int successOf(int requestType) {
        return of(method(requestType), CLASS_SUCCESS);
    }

    /** The error-response type for a request type. */
    public static int errorOf(int requestType) {
        return of(method(requestType), CLASS_ERROR);
    }

    /** A short bounded name of a method, for metric labels and logs. */
    public static String methodName(int method) {
        return switch (method) {
            case METHOD_BINDING -> "binding";
            case METHOD_ALLOCATE -> "allocate";
            case METHOD_REFRESH -> "refresh";
            case METHOD_SEND -> "send";
            case METHOD_DATA -> "data";
            case METHOD_CREATE_PERMISSION -> "create_permission";
            case METHOD_CHANNEL_BIND -> "channel_bind";
            case METHOD_CONNECT -> "connect";
            case METHOD_CONNECTION_BIND -> "connection_bind";
            case METHOD_CONNECTION_ATTEMPT -> "connection_attempt";
            default -> "other";
        };
    }
}
