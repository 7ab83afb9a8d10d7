package io.icemesh.media.forward;

import io.icemesh.media.stream.Quality;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.icemesh.media.sdp.Codec;
import io.icemesh.media.sdp.MediaLine;
import io.icemesh.media.track.Layer;
import io.icemesh.media.track.Track;
import java.util.List;
import org.junit.jupiter.api.Test;

class LayerSelectionTest {

    static final long SECOND = 1_000_000_000L;

    /** Three layers q, h, f sending 150 kbit/s, 500 kbit/s and 1.5 Mbit/s, measured over the second before NOW. */
    static Layer[] layers(long... rates) {
        Track t = new Track(null, "video", new MediaLine.Source(1, 2, "c", "s", "t"), new Codec("video", 96, 97), "0",
                List.of("q", "h", "f"));
        Layer[] l = t.layers();
        for (int i = 0; i < rates.length; i++) {
            if (rates[i] >= 0) {
                l[i].packet((int) (rates[i] / 8), 0);
                l[i].packet(0, SECOND);
            }
        }
        return l;
    }

    static final long NOW = SECOND + 1;

    @Test
    void withoutAnEstimateTheRequestedQualityDecides() {
        Layer[] l = layers(150_000, 500_000, 1_500_000);
        assertEquals(2, LayerSelection.choose(l, Quality.AUTO, -1, -1, NOW));
        assertEquals(2, LayerSelection.choose(l, Quality.HIGH, -1, -1, NOW));
        assertEquals(1, LayerSelection.choose(l, Quality.MEDIUM, -1, -1, NOW));
        assertEquals(0, LayerSelection.choose(l, Quality.LOW, -1, -1, NOW));
    }

    @Test
    void onAutoTheEstimateCapsTheLayerWithRoomToKeepTheCurrentOne() {
        Layer[] l = layers(150_000, 500_000, 1_500_000);
        assertEquals(1, LayerSelection.choose(l, Quality.AUTO, 600_000, -1, NOW), "f does not fit 600 kbit/s");
        assertEquals(0, LayerSelection.choose(l, Quality.AUTO, 100_000, -1, NOW), "nothing fits: the lowest");
        assertEquals(2, LayerSelection.choose(l, Quality.AUTO, 1_300_000, 2, NOW),
                "the current layer stays while its rate is within the margin of the estimate");
        assertEquals(1, LayerSelection.choose(l, Quality.AUTO, 1_300_000, 1, NOW),
                "but the estimate must carry a layer before the subscriber goes up to it");
        assertEquals(1, LayerSelection.choose(l, Quality.AUTO, 1_100_000, 2, NOW), "congestion: down");
    }

    @Test
    void anExplicitRequestIsServedWhateverTheEstimate() {
        Layer[] l = layers(150_000, 500_000, 1_500_000);
        // On q a browser's REMB stays near 1.5 x 150 kbit/s + 10 kbit/s: it could never show room for h or f.
        assertEquals(2, LayerSelection.choose(l, Quality.HIGH, 235_000, 0, NOW), "asked for high, on q");
        assertEquals(1, LayerSelection.choose(l, Quality.MEDIUM, 235_000, 0, NOW));
        assertEquals(0, LayerSelection.choose(l, Quality.LOW, 5_000_000, 2, NOW));
    }

    @Test
    void onlyLayersThePublisherSendsAreChosen() {
        Layer[] l = layers(150_000, 500_000, -1);
        assertEquals(1, LayerSelection.choose(l, Quality.HIGH, -1, -1, NOW), "f was never sent");
        assertEquals(1, LayerSelection.choose(l, Quality.MEDIUM, -1, -1, NOW), "medium of two active layers: the upper");
        assertEquals(-1, LayerSelection.choose(layers(-1, -1, -1), Quality.HIGH, -1, -1, NOW));
        assertEquals(-1, LayerSelection.choose(l, Quality.HIGH, -1, -1, NOW + 2 * SECOND), "all went quiet");
    }

    @Test
    void keyFrameWidthsRankTheLayersWhenAllAreKnown() {
        Layer[] l = layers(1_500_000, 500_000, 150_000);
        assertArrayEquals(new int[] {0, 1, 2}, LayerSelection.order(l, NOW), "signalled order until widths are seen");
        l[0].width(1280);
        l[1].width(640);
        assertArrayEquals(new int[] {0, 1, 2}, LayerSelection.order(l, NOW), "one width unknown");
        l[2].width(320);
        assertArrayEquals(new int[] {2, 1, 0}, LayerSelection.order(l, NOW));
        assertEquals(2, LayerSelection.choose(l, Quality.LOW, -1, -1, NOW));
        assertEquals(0, LayerSelection.choose(l, Quality.HIGH, -1, -1, NOW));
    }
}
