package io.icemesh.loadgen;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.jitsi.srtp.SrtcpCryptoContext;
import org.jitsi.srtp.SrtpContextFactory;
import org.jitsi.srtp.SrtpCryptoContext;
import org.jitsi.srtp.SrtpErrorStatus;
import org.jitsi.srtp.SrtpPolicy;
import org.jitsi.utils.ByteArrayBuffer;
import org.jitsi.utils.logging2.LoggerImpl;

/**
 * SRTP and SRTCP (RFC 3711, RFC 7714) for one endpoint on jitsi-srtp, with the keys of its DTLS handshake (RFC 5764
 * section 4.2). Contexts are per SSRC. Not thread-safe: an endpoint's packets are all handled on its reactor thread.
 */
final class Srtp implements AutoCloseable {

    /** The protection profiles the tool offers, best first. */
    enum Profile {
        AEAD_AES_128_GCM(0x0007, 16, 12, 16),
        AES_CM_128_HMAC_SHA1_80(0x0001, 16, 14, 10);

        final int id;
        final int keyLength;
        final int saltLength;
        final int tagLength;

        Profile(int id, int keyLength, int saltLength, int tagLength) {
            this.id = id;
            this.keyLength = keyLength;
            this.saltLength = saltLength;
            this.tagLength = tagLength;
        }

        int keyingMaterialLength() {
            return 2 * (keyLength + saltLength);
        }

        SrtpPolicy policy() {
            if (this == AEAD_AES_128_GCM) {
                return new SrtpPolicy(SrtpPolicy.AESGCM_ENCRYPTION, keyLength, SrtpPolicy.NULL_AUTHENTICATION, 0,
                        tagLength, saltLength);
            }
            return new SrtpPolicy(SrtpPolicy.AESCM_ENCRYPTION, keyLength, SrtpPolicy.HMACSHA1_AUTHENTICATION, 20,
                    tagLength, saltLength);
        }

        static Profile byId(int id) {
            for (Profile p : values()) {
                if (p.id == id) {
                    return p;
                }
            }
            return null;
        }
    }

    /** A mutable (array, offset, length) view that jitsi-srtp transforms in place. */
    static final class Buffer implements ByteArrayBuffer {
        private byte[] buffer;
        private int offset;
        private int length;

        Buffer set(byte[] b, int off, int len) {
            buffer = b;
            offset = off;
            length = len;
            return this;
        }

        @Override
        public byte[] getBuffer() {
            return buffer;
        }

        @Override
        public int getOffset() {
            return offset;
        }

        @Override
        public int getLength() {
            return length;
        }

        @Override
        public void setLength(int len) {
            length = len;
        }

        @Override
        public void setOffset(int off) {
            offset = off;
        }

        @Override
        public boolean isInvalid() {
            return buffer == null || offset < 0 || length < 0 || offset + length > buffer.length;
        }

        @Override
        public void readRegionToBuff(int off, int len, byte[] out) {
            System.arraycopy(buffer, offset + off, out, 0, len);
        }

        @Override
        public void grow(int howMuch) {
            if (offset + length + howMuch > buffer.length) {
                buffer = Arrays.copyOf(buffer, offset + length + howMuch);
            }
        }

        @Override
        public void append(byte[] data, int len) {
            grow(len);
            System.arraycopy(data, 0, buffer, offset + length, len);
            length += len;
        }

        @Override
        public void shrink(int len) {
            length = Math.max(0, length - len);
        }
    }

    private static final LoggerImpl LOG = new LoggerImpl(Srtp.class.getName());
    /** Contexts per direction at most: a server sends a handful of SSRCs to one subscriber. */
    private static final int MAX_SSRCS = 64;

    final Profile profile;
    private final SrtpContextFactory encrypt;
    private final SrtpContextFactory decrypt;
    private final Map<Integer, SrtpCryptoContext> rtpIn = new HashMap<>();
    private final Map<Integer, SrtpCryptoContext> rtpOut = new HashMap<>();
    private final Map<Integer, SrtcpCryptoContext> rtcpIn = new HashMap<>();
    private final Map<Integer, SrtcpCryptoContext> rtcpOut = new HashMap<>();
    private final Buffer view = new Buffer();

    Srtp(Dtls.Keys keys) {
        this.profile = keys.profile;
        int k = profile.keyLength;
        int s = profile.saltLength;
        byte[] m = keys.material;
        byte[] clientKey = Arrays.copyOfRange(m, 0, k);
        byte[] serverKey = Arrays.copyOfRange(m, k, 2 * k);
        byte[] clientSalt = Arrays.copyOfRange(m, 2 * k, 2 * k + s);
        byte[] serverSalt = Arrays.copyOfRange(m, 2 * k + s, 2 * k + 2 * s);
        SrtpPolicy policy = profile.policy();
        // jitsi-srtp refuses an SRTP packet more than 64 behind the newest as a replay: a server's plain (non-RTX)
        // retransmission often is, so the tool tells duplicates from recoveries itself (Endpoint.Stream, 2048 packets)
        SrtpPolicy rtpIn = profile.policy();
        rtpIn.setReceiveReplayEnabled(false);
        encrypt = new SrtpContextFactory(true, keys.server ? serverKey : clientKey,
                keys.server ? serverSalt : clientSalt, policy, policy, LOG);
        decrypt = new SrtpContextFactory(false, keys.server ? clientKey : serverKey,
                keys.server ? clientSalt : serverSalt, rtpIn, policy, LOG);
    }

    /** Encrypts RTP in place (the array needs {@link Profile#tagLength} spare bytes); the new length or -1. */
    int protectRtp(byte[] buf, int off, int len) {
        try {
            SrtpCryptoContext ctx = rtpOut.get(Rtp.ssrc(buf, off));
            if (ctx == null) {
                ctx = encrypt.deriveContext(Rtp.ssrc(buf, off), 0);
                rtpOut.put(Rtp.ssrc(buf, off), ctx);
            }
            view.set(buf, off, len);
            return ctx.transformPacket(view) == SrtpErrorStatus.OK ? view.getLength() : -1;
        } catch (GeneralSecurityException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Authenticates and decrypts SRTP in place; the RTP length, or -1 (forged, or not under these keys). Replays are
     * not refused here: the caller counts duplicates per stream.
     */
    int unprotectRtp(byte[] buf, int off, int len) {
        try {
            int ssrc = Rtp.ssrc(buf, off);
            SrtpCryptoContext ctx = rtpIn.get(ssrc);
            if (ctx == null) {
                if (rtpIn.size() >= MAX_SSRCS) {
                    return -1;
                }
                ctx = decrypt.deriveContext(ssrc, 0);
                rtpIn.put(ssrc, ctx);
            }
            view.set(buf, off, len);
            return ctx.reverseTransformPacket(view, false) == SrtpErrorStatus.OK ? view.getLength() : -1;
        } catch (GeneralSecurityException | RuntimeException e) {
            return -1;
        }
    }

    /** Encrypts an RTCP compound in place (needs tag length + 4 spare bytes); the new length or -1. */
    int protectRtcp(byte[] buf, int off, int len) {
        try {
            int ssrc = Rtp.rtcpSenderSsrc(buf, off);
            SrtcpCryptoContext ctx = rtcpOut.get(ssrc);
            if (ctx == null) {
                ctx = encrypt.deriveControlContext(ssrc);
                rtcpOut.put(ssrc, ctx);
            }
            view.set(buf, off, len);
            return ctx.transformPacket(view) == SrtpErrorStatus.OK ? view.getLength() : -1;
        } catch (GeneralSecurityException | RuntimeException e) {
            return -1;
        }
    }

    /** Authenticates and decrypts an SRTCP compound in place; its length or -1. */
    int unprotectRtcp(byte[] buf, int off, int len) {
        try {
            int ssrc = Rtp.rtcpSenderSsrc(buf, off);
            SrtcpCryptoContext ctx = rtcpIn.get(ssrc);
            if (ctx == null) {
                if (rtcpIn.size() >= MAX_SSRCS) {
                    return -1;
                }
                ctx = decrypt.deriveControlContext(ssrc);
                rtcpIn.put(ssrc, ctx);
            }
            view.set(buf, off, len);
            return ctx.reverseTransformPacket(view) == SrtpErrorStatus.OK ? view.getLength() : -1;
        } catch (GeneralSecurityException | RuntimeException e) {
            return -1;
        }
    }

    @Override
    public void close() {
        encrypt.close();
        decrypt.close();
    }
}
