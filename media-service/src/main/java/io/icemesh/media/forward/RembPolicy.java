package io.icemesh.media.forward;

/**
 * What REMB the SFU sends a publisher (draft-alvestrand-rmcat-remb-03): for each of its video streams, the smallest
 * share any subscriber of that stream can take, where a subscriber's share is its own REMB estimate split evenly over
 * the video streams it receives (a browser's REMB covers its whole transport); the publisher gets the sum over its
 * streams, never above the configured cap. A stream no subscriber has estimated counts as the cap. The publisher's
 * own loss-based control (fed by the SFU's receiver reports) still applies under this ceiling.
 */
public final class RembPolicy {

    private RembPolicy() {
    }

    /**
     * One stream's limit from its subscribers.
     *
     * @param estimates the subscribers' REMB estimates in bit/s; negative for a subscriber with no fresh estimate
     * @param videoStreams how many video streams each subscriber receives (at least this one)
     * @param count how many entries of the arrays are used
     * @return the smallest share, or -1 when no subscriber gave an estimate
     */
    public static long streamLimit(long[] estimates, int[] videoStreams, int count) {
        long min = -1;
        for (int i = 0; i < count; i++) {
            if (estimates[i] < 0) {
                continue;
            }
            long share = estimates[i] / Math.max(1, videoStreams[i]);
            if (min < 0 || share < min) {
                min = share;
            }
        }
        return min;
    }

    /**
     * Adds one stream's limit to a publisher's total so far, counting an unestimated stream ({@code limit} &lt; 0)
     * as the cap, and caps the result.
     */
    public static long add(long total, long limit, long cap) {
        long add = limit < 0 ? cap : Math.min(limit, cap);
        return Math.min(cap, total + add);
    }
}
