package io.icemesh.stun;

import java.text.Normalizer;

/**
 * The password preparation STUN applies before hashing (RFC 5389 used SASLprep, RFC 4013; RFC 8489 uses the
 * OpaqueString profile, RFC 8265, which agrees for the passwords seen in practice): non-ASCII spaces become
 * U+0020, characters "commonly mapped to nothing" (RFC 3454 Table B.1) are removed, and the result is NFKC.
 * ASCII-only passwords, which TURN REST passwords always are, pass unchanged.
 */
public final class SaslPrep {

    private SaslPrep() {
    }

    public static String prepare(String password) {
        boolean ascii = true;
        for (int i = 0; i < password.length(); i++) {
            if (password.charAt(i) > 0x7F) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            return password;
        }
        StringBuilder out = new StringBuilder(password.length());
        for (int i = 0; i < password.length(); i++) {
            char c = password.charAt(i);
            if (isMappedToNothing(c)) {
                continue;
            }
            out.append(isNonAsciiSpace(c) ? ' ' : c);
        }
        return Normalizer.normalize(out, Normalizer.Form.NFKC);
    }

    /** RFC 3454 Table B.1. */
    private static boolean isMappedToNothing(char c) {
        return c == 0x00AD || c == 0x034F || c == 0x1806 || (c >= 0x180B && c <= 0x180D) || (c >= 0x200B && c <= 0x200D)
                || c == 0x2060 || (c >= 0xFE00 && c <= 0xFE0F) || c == 0xFEFF;
    }

    /** RFC 3454 Table C.1.2. */
    private static boolean isNonAsciiSpace(char c) {
        return c == 0x00A0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200B) || c == 0x202F || c == 0x205F
                || c == 0x3000;
    }
}
