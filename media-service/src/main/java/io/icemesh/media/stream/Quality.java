package io.icemesh.media.stream;

import java.util.Locale;

/**
 * The simulcast quality a subscriber asks for (SET_QUALITY): a ceiling on the layer it receives. Its bandwidth
 * estimate may still hold it lower; {@link #AUTO} leaves the choice to the estimate alone.
 */
public enum Quality {
    LOW, MEDIUM, HIGH, AUTO;

    /** The quality named, or null for anything else. */
    public static Quality parse(String s) {
        if (s == null) {
            return null;
        }
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "low" -> LOW;
            case "medium" -> MEDIUM;
            case "high" -> HIGH;
            case "auto" -> AUTO;
            default -> null;
        };
    }

    /** The highest rank (0 lowest) this quality allows among {@code layers} layers. */
    public int maxRank(int layers) {
        return switch (this) {
            case LOW -> 0;
            case MEDIUM -> Math.min(layers - 1, layers / 2);
            case HIGH, AUTO -> layers - 1;
        };
    }
}
