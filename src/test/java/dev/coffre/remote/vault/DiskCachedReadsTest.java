package dev.coffre.remote.vault;

import dev.coffre.cache.DiskCache;
import dev.coffre.remote.BlockRef;
import dev.coffre.store.CountingStore;
import dev.coffre.vfs.TestVault;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The persistent disk cache of sealed segments, seen through the vault's reads (real local store, counted). */
class DiskCachedReadsTest {
    private static final int LENGTH = 300_000; // five segments, the last one short

    @TempDir
    Path dir;

    private static byte[] joined(byte[][] segments) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] s : segments) {
            out.writeBytes(s);
        }
        return out.toByteArray();
    }

    @Test
    void readsAfterAReopenComeFromDiskAndADamagedCopyIsFetchedAgain() throws IOException {
        byte[] data = new byte[LENGTH];
        new Random(7).nextBytes(data);
        try (TestVault vault = TestVault.create(dir, CountingStore::new)) {
            CountingStore counting = (CountingStore) vault.store;
            VaultRemote remote = vault.remote();
            Path cacheDir = dir.resolve("disk-cache");
            remote.useDiskCache(DiskCache.open(cacheDir, 64L << 20));
            BlockRef block = remote.upload(42, 0, data, 0, data.length);

            long before = counting.rangeReads.get();
            assertArrayEquals(data, joined(remote.readSegments(42, 0, block, 0, 5)));
            assertEquals(before, counting.rangeReads.get(), "what was uploaded is read back from the disk cache");

            // As after a remount: a new vault object and a new cache object over the same folder.
            VaultRemote again = VaultRemote.open(vault.store, TestVault.PASSWORD);
            again.useDiskCache(DiskCache.open(cacheDir, 64L << 20));
            assertArrayEquals(java.util.Arrays.copyOfRange(data, 65536, LENGTH), joined(again.readSegments(42, 0, block, 1, 4)));
            assertEquals(before, counting.rangeReads.get());
            assertEquals(0, again.fetchedBytes());

            Path segment2 = cacheDir.resolve(block.id().substring(0, 2)).resolve(block.id() + ".2");
            byte[] damaged = Files.readAllBytes(segment2);
            damaged[100] ^= 1;
            Files.write(segment2, damaged);
            assertArrayEquals(data, joined(again.readSegments(42, 0, block, 0, 5)), "a damaged copy is not served");
            assertEquals(before + 1, counting.rangeReads.get(), "the damaged segment was fetched from the remote");
            assertArrayEquals(data, joined(again.readSegments(42, 0, block, 0, 5)));
            assertEquals(before + 1, counting.rangeReads.get(), "and its good copy kept");
        }
    }

    @Test
    void withoutADiskCacheEveryReadFetchesAndIsCounted() throws IOException {
        byte[] data = new byte[LENGTH];
        new Random(8).nextBytes(data);
        try (TestVault vault = TestVault.create(dir, CountingStore::new)) {
            CountingStore counting = (CountingStore) vault.store;
            VaultRemote remote = vault.remote();
            BlockRef block = remote.upload(42, 0, data, 0, data.length);
            long before = counting.rangeReads.get();
            long fetched = remote.fetchedBytes();
            assertArrayEquals(data, joined(remote.readSegments(42, 0, block, 0, 5)));
            assertArrayEquals(data, joined(remote.readSegments(42, 0, block, 0, 5)));
            assertEquals(before + 2, counting.rangeReads.get());
            assertEquals(fetched + 2L * (LENGTH + 5 * 16), remote.fetchedBytes());
        }
    }
}
