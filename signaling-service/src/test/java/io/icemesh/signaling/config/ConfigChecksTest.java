package io.icemesh.signaling.config;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Limits that would refuse every client message stop the start, naming the setting. */
class ConfigChecksTest {

    @Test
    void aZeroOrNegativeRateOrSizeIsRefusedWithTheSettingNamed() {
        IllegalArgumentException rate = assertThrows(IllegalArgumentException.class,
                () -> ConfigChecks.check(0, 65536));
        assertTrue(rate.getMessage().contains("max-messages-per-second must be at least 1, not 0"), rate.getMessage());
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                () -> ConfigChecks.check(50, -1));
        assertTrue(size.getMessage().contains("max-message-bytes must be at least 1, not -1"), size.getMessage());
    }

    @Test
    void theDefaultsAndTheSmallestUsefulValuesPass() {
        assertDoesNotThrow(() -> ConfigChecks.check(50, 65536));
        assertDoesNotThrow(() -> ConfigChecks.check(1, 1));
    }
}
