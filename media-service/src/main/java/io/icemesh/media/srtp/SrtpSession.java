package io.icemesh.media.srtp;

import java.security.GeneralSecurityException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jitsi.srtp.SrtcpCryptoContext;
import org.jitsi.srtp.SrtpContextFactory;
import org.jitsi.srtp.SrtpCryptoContext;
import org.jitsi.srtp.SrtpErrorStatus;
import org.jitsi.utils.logging2.LoggerImpl;

/**
 * SRTP and SRTCP for one endpoint after its DTLS handshake (RFC 5764 section 4.2): the client's write keys decrypt
 * what it sends, the server's write keys encrypt what the SFU sends it. Crypto contexts are per SSRC and made on first
 * use, up to a bound, since an attacker who has the keys could otherwise make us allocate one per forged SSRC.
 * Transforms are in place on a {@link PacketBuffer}; each returns the new length or -1 when the packet is dropped.
 */
public final class SrtpSession implements AutoCloseable {

    private static final LoggerImpl JITSI_LOG = new LoggerImpl(SrtpSession.class.getName());

    private final SrtpProfile profile;
    private final SrtpContextFactory decryptFactory;
    private final SrtpContextFactory encryptFactory;
    private final int maxSsrcs;
    private final Map<Integer, SrtpCryptoContext> rtpIn = new ConcurrentHashMap<>();
    private final Map<Integer, SrtpCryptoContext> rtpOut = new ConcurrentHashMap<>();
    private final Map<Integer, SrtcpCryptoContext> rtcpIn = new ConcurrentHashMap<>();
    private final Map<Integer, SrtcpCryptoContext> rtcpOut = new ConcurrentHashMap<>();

    /**
     * @param profile the negotiated protection profile
     * @param keyingMaterial the exported keying material, {@link SrtpProfile#keyingMaterialLength()} bytes
     * @param server whether this side is the DTLS server (then it encrypts with the server write key)
     * @param maxSsrcs contexts per direction at most
     */
    public SrtpSession(SrtpProfile profile, byte[] keyingMaterial, boolean server, int maxSsrcs) {
        this.profile = profile;
        this.maxSsrcs = maxSsrcs;
        int k = profile.keyLength();
        int s = profile.saltLength();
        byte[] clientKey = slice(keyingMaterial, 0, k);
        byte[] serverKey = slice(keyingMaterial, k, k);
        byte[] clientSalt = slice(keyingMaterial, 2 * k, s);
        byte[] serverSalt = slice(keyingMaterial, 2 * k + s, s);
        this.encryptFactory = new SrtpContextFactory(true, server ? serverKey : clientKey,
                server ? serverSalt : clientSalt, profile.policy(), profile.policy(), JITSI_LOG);
        this.decryptFactory = new SrtpContextFactory(false, server ? clientKey : serverKey,
                server ? clientSalt : serverSalt, profile.policy(), profile.policy(), JITSI_LOG);
    }

    public SrtpProfile profile() {
        return profile;
    }

    /** Decrypts and authenticates an SRTP packet with this SSRC; returns the RTP length or -1. */
    public int unprotectRtp(PacketBuffer packet, int ssrc) {
        SrtpCryptoContext ctx = rtpIn.get(ssrc);
        try {
            if (ctx == null) {
                if (rtpIn.size() >= maxSsrcs) {
                    return -1;
                }
                ctx = rtpIn.computeIfAbsent(ssrc, this::newDecryptContext);
            }
            return ctx.reverseTransformPacket(packet, false) == SrtpErrorStatus.OK ? packet.getLength() : -1;
        } catch (GeneralSecurityException | RuntimeException e) {
            return -1;
        }
    }

    /** Encrypts an RTP packet with this SSRC in place (the buffer needs {@link SrtpProfile#tagLength()} spare bytes). */
    public int protectRtp(PacketBuffer packet, int ssrc) {
        SrtpCryptoContext ctx = rtpOut.get(ssrc);
        try {
            if (ctx == null) {
                if (rtpOut.size() >= maxSsrcs) {
                    return -1;
                }
                ctx = rtpOut.computeIfAbsent(ssrc, this::newEncryptContext);
            }
            return ctx.transformPacket(packet) == SrtpErrorStatus.OK ? packet.getLength() : -1;
        } catch (GeneralSecurityException | RuntimeException e) {
            return -1;
        }
    }

    /** Decrypts and authenticates an SRTCP compound whose first sender SSRC is {@code ssrc}; returns its length or -1. */
    public int unprotectRtcp(PacketBuffer packet, int ssrc) {
        SrtcpCryptoContext ctx = rtcpIn.get(ssrc);
        try {
            if (ctx == null) {
                if (rtcpIn.size() >= maxSsrcs) {
                    return -1;
                }
                ctx = rtcpIn.computeIfAbsent(ssrc, this::newDecryptControlContext);
            }
            return ctx.reverseTransformPacket(packet) == SrtpErrorStatus.OK ? packet.getLength() : -1;
        } catch (GeneralSecurityException | RuntimeException e) {
            return -1;
        }
    }

    /** Encrypts an RTCP compound in place (needs tag length plus 4 spare bytes). */
    public int protectRtcp(PacketBuffer packet, int ssrc) {
        SrtcpCryptoContext ctx = rtcpOut.get(ssrc);
        try {
            if (ctx == null) {
                ctx = rtcpOut.computeIfAbsent(ssrc, this::newEncryptControlContext);
            }
            return ctx.transformPacket(packet) == SrtpErrorStatus.OK ? packet.getLength() : -1;
        } catch (GeneralSecurityException | RuntimeException e) {
            return -1;
        }
    }

    @Override
    public void close() {
        encryptFactory.close();
        decryptFactory.close();
    }

    private SrtpCryptoContext newDecryptContext(int ssrc) {
        try {
            return decryptFactory.deriveContext(ssrc, 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private SrtpCryptoContext newEncryptContext(int ssrc) {
        try {
            return encryptFactory.deriveContext(ssrc, 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private SrtcpCryptoContext newDecryptControlContext(int ssrc) {
        try {
            return decryptFactory.deriveControlContext(ssrc);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private SrtcpCryptoContext newEncryptControlContext(int ssrc) {
        try {
            return encryptFactory.deriveControlContext(ssrc);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] slice(byte[] src, int from, int len) {
        byte[] out = new byte[len];
        System.arraycopy(src, from, out, 0, len);
        return out;
    }
}
