package io.icemesh.stun;

import java.util.HexFormat;

/** Test helper: bytes from a hex listing with spaces and newlines, as RFCs print them. */
public final class Hex {

    private Hex() {
    }

    public static byte[] bytes(String listing) {
        return HexFormat.of().parseHex(listing.replaceAll("\\s+", ""));
    }
}
