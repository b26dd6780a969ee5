package dev.coffre.cache;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DiskCacheTest {
    @TempDir
    Path dir;

    private static byte[] bytes(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    @Test
    void keepsEntriesAcrossReopening() throws IOException {
        DiskCache cache = DiskCache.open(dir, 1 << 20);
        byte[] data = bytes(1000, 1);
        cache.put("abc.1", data, 10, 500);
        assertArrayEquals(java.util.Arrays.copyOfRange(data, 10, 510), cache.get("abc.1").orElseThrow());

        DiskCache reopened = DiskCache.open(dir, 1 << 20);
        assertEquals(500, reopened.bytes());
        assertArrayEquals(java.util.Arrays.copyOfRange(data, 10, 510), reopened.get("abc.1").orElseThrow());
        assertTrue(reopened.get("abc.2").isEmpty());
    }

    @Test
    void evictsLeastRecentlyUsedWithinItsBudget() throws IOException {
        DiskCache cache = DiskCache.open(dir, 2500);
        cache.put("aa.1", bytes(1000, 1), 0, 1000);
        cache.put("bb.1", bytes(1000, 2), 0, 1000);
        cache.get("aa.1"); // aa is now more recent than bb
        cache.put("cc.1", bytes(1000, 3), 0, 1000);

        assertEquals(2000, cache.bytes());
        assertTrue(cache.get("aa.1").isPresent());
        assertTrue(cache.get("bb.1").isEmpty());
        assertTrue(cache.get("cc.1").isPresent());
        assertFalse(Files.exists(dir.resolve("bb").resolve("bb.1")), "evicted entries leave the disk");
    }

    @Test
    void reopeningWithASmallerBudgetEvictsTheOldestFirst() throws IOException, InterruptedException {
        DiskCache cache = DiskCache.open(dir, 1 << 20);
        cache.put("old.1", bytes(1000, 1), 0, 1000);
        Files.setLastModifiedTime(dir.resolve("ol").resolve("old.1"),
                java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        cache.put("new.1", bytes(1000, 2), 0, 1000);

        DiskCache smaller = DiskCache.open(dir, 1500);
        assertTrue(smaller.get("old.1").isEmpty());
        assertTrue(smaller.get("new.1").isPresent());
    }

    @Test
    void removesHalfWrittenFilesLeftByACrash() throws IOException {
        Files.createDirectories(dir.resolve("ab"));
        Files.write(dir.resolve("ab").resolve("abc.1.77.tmp"), bytes(10, 0));
        DiskCache cache = DiskCache.open(dir, 1 << 20);
        assertEquals(0, cache.bytes());
        try (Stream<Path> files = Files.walk(dir)) {
            assertEquals(0, files.filter(Files::isRegularFile).count());
        }
    }

    @Test
    void removeDropsAnEntry() throws IOException {
        DiskCache cache = DiskCache.open(dir, 1 << 20);
        cache.put("abc.1", bytes(100, 1), 0, 100);
        cache.remove("abc.1");
        assertTrue(cache.get("abc.1").isEmpty());
        assertEquals(0, cache.bytes());
    }
}
