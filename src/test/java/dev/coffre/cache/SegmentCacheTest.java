package dev.coffre.cache;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SegmentCacheTest {
    private static final int SEGMENT = SegmentCache.MAX_SEGMENT_BYTES;

    /** Bytes that differ from one segment to the next, all through the segment (a mix-up shows anywhere). */
    private static byte[] segment(String object, int index) {
        byte[] data = new byte[SEGMENT];
        int seed = object.hashCode() * 31 + index;
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (seed + i * 7 + (i >> 8));
        }
        return data;
    }

    private static SegmentCache.Loader loader(String object, AtomicInteger loads) {
        return (first, count, into) -> {
            loads.addAndGet(count);
            for (int i = 0; i < count; i++) {
                byte[] segment = segment(object, first + i);
                into.accept(i, segment, 0, segment.length);
            }
        };
    }

    private static byte[] read(SegmentCache.Pinned pinned, int i) {
        byte[] copy = new byte[pinned.length(i)];
        pinned.copy(i, 0, copy, 0, copy.length);
        return copy;
    }

    private static byte[] read(SegmentCache cache, String object, int index, AtomicInteger loads) throws IOException {
        try (SegmentCache.Pinned pinned = cache.get(object, index, 1, loader(object, loads))) {
            return read(pinned, 0);
        }
    }

    @Test
    @DisplayName("segments fetched ahead are still there when read, even with the cache full of segments read before")
    void readAheadSurvivesAFullCache() throws Exception {
        SegmentCache cache = new SegmentCache(128L * SEGMENT); // 80 cached, 32 held ahead, 16 in use
        AtomicInteger oldLoads = new AtomicInteger();
        for (int round = 0; round < 3; round++) { // read often: the cache's policy values these segments
            for (int i = 0; i < 80; i++) {
                read(cache, "old", i, oldLoads);
            }
        }
        AtomicInteger newLoads = new AtomicInteger();
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            for (int start = 0; start < 64; start += 16) {
                var load = cache.prefetch("new", start, 16, loader("new", newLoads), executor);
                load.get();
                for (int i = start; i < start + 16; i++) {
                    assertArrayEquals(segment("new", i), read(cache, "new", i, newLoads));
                }
            }
        } finally {
            executor.shutdownNow();
        }
        assertEquals(64, newLoads.get(), "each segment fetched once: what was fetched ahead was not dropped before its read");
    }

    @Test
    @DisplayName("a segment a read loads is that read's, even when the cache's policy turns it away at once")
    void readGetsWhatItLoadedDespiteAdmission() throws Exception {
        SegmentCache cache = new SegmentCache(16L * SEGMENT); // 10 cached: a window smaller than one segment
        AtomicInteger oldLoads = new AtomicInteger();
        for (int round = 0; round < 10; round++) { // read often: the policy prefers these to any newcomer
            for (int i = 0; i < 12; i++) {
                read(cache, "old", i, oldLoads);
            }
        }
        AtomicInteger newLoads = new AtomicInteger();
        try (SegmentCache.Pinned pinned = cache.get("new", 0, 12, loader("new", newLoads))) { // more than fit
            for (int i = 0; i < 12; i++) {
                assertArrayEquals(segment("new", i), read(pinned, i));
            }
        }
        assertEquals(12, newLoads.get(), "each new segment loaded once, not again because the cache dropped it");
    }

    @Test
    @DisplayName("a segment evicted while a read holds it keeps its bytes until that read is over")
    void pinnedSegmentOutlivesItsEviction() throws Exception {
        SegmentCache cache = new SegmentCache(16L * SEGMENT); // 10 cached
        AtomicInteger loads = new AtomicInteger();
        try (SegmentCache.Pinned pinned = cache.get("a", 0, 1, loader("a", loads))) {
            for (int i = 0; i < 200; i++) { // evicts "a" 0 and cycles every free buffer through other segments
                assertArrayEquals(segment("b", i), read(cache, "b", i, loads));
            }
            assertTrue(cache.evictions() > 100);
            assertArrayEquals(segment("a", 0), read(pinned, 0));
        }
        assertTrue(cache.memoryBytes() <= 16L * SEGMENT, "buffers given back: " + cache.memoryBytes());
        assertThrows(IllegalStateException.class, () -> {
            SegmentCache.Pinned pinned = cache.get("c", 0, 1, loader("c", loads));
            pinned.close();
            read(pinned, 0);
        }, "a read after the release is refused, not served from a reused buffer");
    }

    @Test
    @DisplayName("a load that fails part-way gives back the buffers of the segments it had loaded")
    void failedLoadKeepsNoMemory() throws Exception {
        SegmentCache cache = new SegmentCache(64L * SEGMENT);
        AtomicInteger loads = new AtomicInteger();
        read(cache, "x", 1, loads); // cached: a load of 0..2 is two runs, 0 and 2
        long before = cache.memoryBytes();
        SegmentCache.Loader failsOnSecondRun = (first, count, into) -> {
            if (first == 2) {
                throw new IOException("server error");
            }
            loader("x", loads).load(first, count, into);
        };
        IOException error = assertThrows(IOException.class, () -> cache.get("x", 0, 3, failsOnSecondRun).close());
        assertEquals("server error", error.getMessage());
        assertEquals(before, cache.memoryBytes(), "segment 0 was loaded, then dropped with the failed load");
        try (SegmentCache.Pinned pinned = cache.get("x", 0, 3, loader("x", loads))) {
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(segment("x", i), read(pinned, i));
            }
        }
    }

    @Test
    @DisplayName("a loader that decrypts a whole run into one array it reuses: each segment keeps its own bytes")
    void loaderReusingOneArrayGivesEachSegmentItsBytes() throws Exception {
        SegmentCache cache = new SegmentCache(64L * SEGMENT);
        byte[] scratch = new byte[SEGMENT];
        SegmentCache.Loader reusing = (first, count, into) -> {
            for (int i = 0; i < count; i++) {
                byte[] segment = segment("r", first + i);
                System.arraycopy(segment, 0, scratch, 0, segment.length);
                into.accept(i, scratch, 0, segment.length);
            }
            Arrays.fill(scratch, (byte) 0); // what a loader does with its array afterwards is its own business
        };
        try (SegmentCache.Pinned pinned = cache.get("r", 0, 8, reusing)) {
            for (int i = 0; i < 8; i++) {
                assertArrayEquals(segment("r", i), read(pinned, i));
            }
        }
        AtomicInteger loads = new AtomicInteger();
        assertArrayEquals(segment("r", 5), read(cache, "r", 5, loads), "the cached copy too");
        assertEquals(0, loads.get());
    }

    @Test
    @DisplayName("a loader that hands over fewer segments than asked is an error, and keeps no memory")
    void loaderLeavingASegmentOutFails() throws Exception {
        SegmentCache cache = new SegmentCache(64L * SEGMENT);
        AtomicInteger loads = new AtomicInteger();
        SegmentCache.Loader leavesTheLastOut = (first, count, into) -> loader("s", loads).load(first, count,
                (index, bytes, offset, length) -> {
                    if (index < count - 1) {
                        into.accept(index, bytes, offset, length);
                    }
                });
        IOException error = assertThrows(IOException.class, () -> cache.get("s", 0, 4, leavesTheLastOut).close());
        assertTrue(error.getMessage().contains("segment 3 of s was not loaded"), error.getMessage());
        assertEquals(0, cache.memoryBytes());
        assertArrayEquals(segment("s", 3), read(cache, "s", 3, loads), "a later read loads it");
    }

    @Test
    @DisplayName("readers and read-ahead at once on a small cache: every read gets its own bytes, memory stays bounded")
    void concurrentReadsStayCorrectAndBounded() throws Exception {
        long budget = 64L * SEGMENT;
        SegmentCache cache = new SegmentCache(budget);
        int readers = 4;
        int prefetchThreads = 2;
        int prefetchRun = 8;
        ExecutorService prefetcher = Executors.newFixedThreadPool(prefetchThreads);
        ExecutorService pool = Executors.newFixedThreadPool(readers);
        AtomicInteger loads = new AtomicInteger();
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int r = 0; r < readers; r++) {
                done.add(pool.submit(() -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    for (int n = 0; n < 3_000; n++) {
                        String object = "o" + random.nextInt(6);
                        int first = random.nextInt(40);
                        int count = 1 + random.nextInt(3);
                        if (random.nextInt(10) == 0) {
                            cache.prefetch(object, first + count, prefetchRun, loader(object, loads), prefetcher);
                        }
                        try (SegmentCache.Pinned pinned = cache.get(object, first, count, loader(object, loads))) {
                            for (int i = 0; i < count; i++) {
                                byte[] got = read(pinned, i);
                                if (!Arrays.equals(segment(object, first + i), got)) {
                                    throw new AssertionError("wrong bytes for " + object + " segment " + (first + i));
                                }
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
            prefetcher.shutdown();
            prefetcher.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
        }
        assertTrue(cache.evictions() > 1_000, "the cache was too small for the reads: " + cache.evictions());
        // Beyond the budget only for a moment, by what is being stored or read and by what the cache has stored
        // but not weighed yet (it does so in the background; up to ~100 segments behind here, with six threads
        // storing one or a few segments each). A buffer that was never given back would add up over the
        // 12,000 reads, and stay.
        long transientMost = 256L * SEGMENT;
        assertTrue(cache.peakMemoryBytes() <= budget + transientMost, "peak " + cache.peakMemoryBytes());
        assertTrue(cache.memoryBytes() <= budget, "after the reads: " + cache.memoryBytes());
    }
}
