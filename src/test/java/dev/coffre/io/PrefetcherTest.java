package dev.coffre.io;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrefetcherTest {
    @Test
    void boundsTheRangesInFlightAndGivesPlacesBack() {
        try (Prefetcher prefetcher = new Prefetcher()) {
            for (int i = 0; i < Prefetcher.RANGES; i++) {
                assertTrue(prefetcher.tryStart(), "place " + i);
            }
            assertFalse(prefetcher.tryStart(), "no more than the budget in flight");
            assertEquals(Prefetcher.RANGES, prefetcher.inFlight());
            prefetcher.finished();
            assertTrue(prefetcher.tryStart());
        }
    }

    @Test
    void aClosedCoreWithFetchesInFlightDoesNotHoldBackAnother() {
        Prefetcher warmUp = new Prefetcher();
        while (warmUp.tryStart()) {
            // a throw-away core that closes with all its places taken
        }
        warmUp.close();
        try (Prefetcher mount = new Prefetcher()) {
            assertTrue(mount.tryStart());
            assertEquals(1, mount.inFlight());
        }
    }
}
