package dev.coffre.crypto;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;

class WarmupTest {
    /** The warm-up runs on a daemon thread where an exception would go unnoticed; it once died on its second round. */
    @Test
    void warmupRunsAllItsRoundsWithoutError() {
        assertDoesNotThrow(Warmup::run);
    }
}
