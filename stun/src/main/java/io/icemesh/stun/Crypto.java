package io.icemesh.stun;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.Map;
import javax.crypto.Mac;

/**
 * One {@link Mac} and {@link MessageDigest} per algorithm per thread. {@code getInstance} searches the security
 * providers on every call, which showed up on every authenticated request; the instances themselves are not
 * thread-safe, so each thread keeps its own. A caller gets a reset instance and must finish with it (init, update,
 * doFinal or digest) before calling anything else that uses the same algorithm on the same thread.
 */
public final class Crypto {

    private static final ThreadLocal<Map<String, Mac>> MACS = ThreadLocal.withInitial(HashMap::new);
    private static final ThreadLocal<Map<String, MessageDigest>> DIGESTS = ThreadLocal.withInitial(HashMap::new);

    private Crypto() {
    }

    /** This thread's {@link Mac} for {@code algorithm}; call {@code init} before use. */
    public static Mac mac(String algorithm) throws NoSuchAlgorithmException {
        Map<String, Mac> macs = MACS.get();
        Mac mac = macs.get(algorithm);
        if (mac == null) {
            mac = Mac.getInstance(algorithm);
            macs.put(algorithm, mac);
        }
        return mac;
    }

    /** This thread's {@link MessageDigest} for {@code algorithm}, reset. */
    public static MessageDigest digest(String algorithm) throws NoSuchAlgorithmException {
        Map<String, MessageDigest> digests = DIGESTS.get();
        MessageDigest digest = digests.get(algorithm);
        if (digest == null) {
            digest = MessageDigest.getInstance(algorithm);
            digests.put(algorithm, digest);
        } else {
            digest.reset();
        }
        return digest;
    }
}
