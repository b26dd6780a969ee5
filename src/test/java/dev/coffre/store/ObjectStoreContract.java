package dev.coffre.store;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ObjectStore contract: every store must pass it (see LocalObjectStoreTest, S3ObjectStoreTest). */
abstract class ObjectStoreContract {
    ObjectStore inTest;

    @Test
    void rangesReadIntoAnArrayReusedAcrossReads() throws Exception {
        inTest.put("r/1", "0123456789".getBytes(StandardCharsets.US_ASCII));
        inTest.put("r/2", "abcdefghij".getBytes(StandardCharsets.US_ASCII));
        byte[] into = new byte[16];
        java.util.Arrays.fill(into, (byte) '.');
        assertEquals(4, inTest.getRangeInto("r/1", 2, 4, into));
        assertEquals("2345............", new String(into, StandardCharsets.US_ASCII));
        assertEquals(3, inTest.getRangeInto("r/2", 7, 10, into), "short at the end");
        assertEquals("hij5............", new String(into, StandardCharsets.US_ASCII));
        assertEquals(0, inTest.getRangeInto("r/2", 20, 5, into));
        assertThrows(ObjectNotFoundException.class, () -> inTest.getRangeInto("nope", 0, 1, into));
    }

    @Test
    void putThenGetWholeAndRanges() throws Exception {
        byte[] data = "0123456789".getBytes(StandardCharsets.US_ASCII);
        inTest.put("a/b/c", data);
        assertArrayEquals(data, inTest.get("a/b/c"));
        assertArrayEquals("345".getBytes(StandardCharsets.US_ASCII), inTest.getRange("a/b/c", 3, 3));
        assertArrayEquals("89".getBytes(StandardCharsets.US_ASCII), inTest.getRange("a/b/c", 8, 100), "short at the end");
        assertEquals(0, inTest.getRange("a/b/c", 20, 5).length);
    }

    @Test
    void missingObjectsAreReportedAsSuch() {
        assertThrows(ObjectNotFoundException.class, () -> inTest.get("nope"));
        assertThrows(ObjectNotFoundException.class, () -> inTest.getRange("nope", 0, 1));
    }

    @Test
    void putReplacesAndPutIfAbsentDoesNot() throws Exception {
        inTest.put("k", new byte[] {1});
        inTest.put("k", new byte[] {2});
        assertArrayEquals(new byte[] {2}, inTest.get("k"));
        assertFalse(inTest.putIfAbsent("k", new byte[] {3}));
        assertArrayEquals(new byte[] {2}, inTest.get("k"));
        assertTrue(inTest.putIfAbsent("j", new byte[] {4}));
        assertArrayEquals(new byte[] {4}, inTest.get("j"));
    }

    @Test
    void listByPrefixAndDelete() throws Exception {
        inTest.put("journal/01", new byte[1]);
        inTest.put("journal/02", new byte[1]);
        inTest.put("blocks/ab/abc", new byte[1]);
        assertEquals(List.of("journal/01", "journal/02"), inTest.list("journal/").stream().sorted().toList());
        assertEquals(List.of("blocks/ab/abc"), inTest.list("blocks/"));
        inTest.delete("journal/01");
        inTest.delete("journal/01");
        assertEquals(List.of("journal/02"), inTest.list("journal/"));
    }

    @Test
    void concurrentPutIfAbsentHasExactlyOneWinner() throws Exception {
        int threads = 8;
        var winners = new java.util.concurrent.atomic.AtomicInteger();
        var pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        var futures = new java.util.ArrayList<java.util.concurrent.Future<?>>();
        for (int i = 0; i < threads; i++) {
            byte[] data = {(byte) i};
            futures.add(pool.submit(() -> {
                if (inTest.putIfAbsent("race", data)) {
                    winners.incrementAndGet();
                }
                return null;
            }));
        }
        for (var f : futures) {
            f.get();
        }
        pool.shutdown();
        assertEquals(1, winners.get());
    }

}
