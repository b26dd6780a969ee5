package dev.coffre.remote.vault;

import dev.coffre.cache.DiskCache;
import dev.coffre.remote.MetaOp;
import dev.coffre.store.CountingStore;
import dev.coffre.vfs.TestVault;
import dev.coffre.vfs.Vfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loading the tree at mount: journal records fetched in parallel, snapshots kept locally (real local store). */
class MetadataLoadTest {
    @TempDir
    Path dir;

    private static long gets(CountingStore store, String folder) {
        return store.getsByFolder.getOrDefault(folder, new AtomicLong()).get();
    }

    private static List<MetaOp> load(VaultRemote remote) throws IOException {
        List<MetaOp> ops = new ArrayList<>();
        remote.load(ops::add);
        return ops;
    }

    @Test
    void aRemountReadsTheSnapshotFromItsLocalCopyAndTheSameTreeResults() throws IOException {
        try (TestVault vault = TestVault.create(dir, CountingStore::new)) {
            Vfs vfs = vault.vfs();
            // One committed record per directory: enough records for a snapshot, and some after it.
            for (int i = 0; i < VaultRemote.SNAPSHOT_EVERY + 30; i++) {
                vfs.mkdir("/d" + i, 0755, 0, 0);
                vault.sync();
            }
            CountingStore store = (CountingStore) vault.store;
            try (Stream<Path> snapshots = Files.list(vault.folder.resolve("snapshots"))) {
                assertTrue(snapshots.findAny().isPresent(), "the vault was compacted into a snapshot");
            }
            Path metadataCache = dir.resolve("metadata-cache");

            VaultRemote first = VaultRemote.open(store, TestVault.PASSWORD);
            first.useMetadataCache(DiskCache.open(metadataCache, 64L << 20));
            long snapshotGets = gets(store, "snapshots/");
            List<MetaOp> tree = load(first);
            assertEquals(snapshotGets + 1, gets(store, "snapshots/"), "the first load fetches the snapshot");

            VaultRemote second = VaultRemote.open(store, TestVault.PASSWORD);
            second.useMetadataCache(DiskCache.open(metadataCache, 64L << 20));
            assertEquals(tree, load(second), "the same tree, from the local copy");
            assertEquals(snapshotGets + 1, gets(store, "snapshots/"), "the second load does not fetch it again");

            VaultRemote uncached = VaultRemote.open(store, TestVault.PASSWORD);
            assertEquals(tree, load(uncached), "the same tree without any local copy");
        }
    }
}
