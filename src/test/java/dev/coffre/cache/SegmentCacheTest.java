package dev.coffre.cache;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class SegmentCacheTest {
    private static final int SEGMENT = 64 * 1024;

    private static byte[] segment(String object, int index) {
        byte[] data = new byte[SEGMENT];
        java.util.Arrays.fill(data, (byte) (object.hashCode() * 31 + index));
        return data;
    }

    private static SegmentCache.Loader loader(String object, AtomicInteger loads) {
        return (first, count) -> {
            loads.addAndGet(count);
            byte[][] out = new byte[count][];
            for (int i = 0; i < count; i++) {
                out[i] = segment(object, first + i);
            }
            return out;
        };
    }

    @Test
    @DisplayName("segments fetched ahead are still there when read, even with the cache full of segments read before")
    void readAheadSurvivesAFullCache() throws Exception {
        SegmentCache cache = new SegmentCache(32L * SEGMENT);
        AtomicInteger oldLoads = new AtomicInteger();
        for (int round = 0; round < 3; round++) { // read often: the cache's policy values these segments
            for (int i = 0; i < 32; i++) {
                cache.get("old", i, 1, loader("old", oldLoads));
            }
        }
        AtomicInteger newLoads = new AtomicInteger();
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            for (int start = 0; start < 64; start += 16) {
                var load = cache.prefetch("new", start, 16, loader("new", newLoads), executor);
                load.get();
                for (int i = start; i < start + 16; i++) {
                    assertArrayEquals(segment("new", i), cache.get("new", i, 1, loader("new", newLoads))[0]);
                }
            }
        } finally {
            executor.shutdownNow();
        }
        assertEquals(64, newLoads.get(), "each segment fetched once: what was fetched ahead was not dropped before its read");
    }
}
