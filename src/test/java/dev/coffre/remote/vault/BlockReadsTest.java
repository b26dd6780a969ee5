package dev.coffre.remote.vault;

import dev.coffre.remote.BlockRef;
import dev.coffre.remote.Remote;
import dev.coffre.vfs.TestVault;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Reads of content blocks through the vault (real local store): large ranges are fetched into arrays the vault
 * reuses, and every segment is decrypted into one array per read; each read must still get its own bytes.
 */
class BlockReadsTest {
    private static final int SEGMENT = 64 * 1024;

    @TempDir
    Path dir;

    @Test
    @DisplayName("blocks uploaded and read back by four threads at once, through reused arrays, keep their bytes")
    void concurrentUploadsAndReadsKeepTheirBytes() throws Exception {
        try (TestVault vault = TestVault.create(dir)) {
            VaultRemote remote = vault.remote();
            ExecutorService threads = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> work = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    int thread = t;
                    work.add(threads.submit(() -> {
                        for (int i = 0; i < 6; i++) {
                            byte[] bytes = new byte[Remote.BLOCK_SIZE - i * 4096];
                            new Random(thread * 100 + i).nextBytes(bytes);
                            BlockRef block = remote.upload(thread, i, bytes, 0, bytes.length);
                            int segments = (bytes.length + SEGMENT - 1) / SEGMENT;
                            ByteArrayOutputStream read = new ByteArrayOutputStream();
                            remote.readSegments(thread, i, block, 0, segments,
                                    (index, plain, offset, length) -> read.write(plain, offset, length));
                            assertArrayEquals(bytes, read.toByteArray(), "thread " + thread + ", block " + i);
                        }
                        return null;
                    }));
                }
                for (Future<?> done : work) {
                    done.get();
                }
            } finally {
                threads.shutdownNow();
            }
        }
    }

    @Test
    @DisplayName("whole and partial blocks read by four threads at once each get their own bytes")
    void concurrentLargeReadsGetTheirOwnBytes() throws Exception {
        try (TestVault vault = TestVault.create(dir)) {
            VaultRemote remote = vault.remote();
            List<byte[]> data = new ArrayList<>();
            List<BlockRef> blocks = new ArrayList<>();
            for (int b = 0; b < 3; b++) {
                byte[] bytes = new byte[Remote.BLOCK_SIZE - b * 1000]; // the last segment short in two of them
                new Random(b).nextBytes(bytes);
                data.add(bytes);
                blocks.add(remote.upload(7, b, bytes, 0, bytes.length));
            }
            ExecutorService threads = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> reads = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    reads.add(threads.submit(() -> {
                        ThreadLocalRandom random = ThreadLocalRandom.current();
                        for (int i = 0; i < 25; i++) {
                            int b = random.nextInt(3);
                            int segments = (data.get(b).length + SEGMENT - 1) / SEGMENT;
                            int first = random.nextInt(segments / 2); // at least half a block: a reused array
                            int count = segments - first - random.nextInt(8);
                            ByteArrayOutputStream read = new ByteArrayOutputStream();
                            remote.readSegments(7, b, blocks.get(b), first, count,
                                    (index, bytes, offset, length) -> read.write(bytes, offset, length));
                            int from = first * SEGMENT;
                            int to = Math.min(data.get(b).length, (first + count) * SEGMENT);
                            assertArrayEquals(Arrays.copyOfRange(data.get(b), from, to), read.toByteArray(),
                                    "block " + b + ", segments " + first + "+" + count);
                        }
                        return null;
                    }));
                }
                for (Future<?> read : reads) {
                    read.get();
                }
            } finally {
                threads.shutdownNow();
            }
        }
    }
}
