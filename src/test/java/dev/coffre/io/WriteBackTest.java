package dev.coffre.io;

import dev.coffre.remote.vault.VaultChecker;
import dev.coffre.store.FaultyStore;
import dev.coffre.vfs.FsException;
import dev.coffre.vfs.TestVault;
import dev.coffre.vfs.Vfs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The durability contract and the upload queue, in-process on a real vault, with faults injected at the store. */
@Timeout(120)
class WriteBackTest {
    @TempDir
    Path dir;
    FaultyStore faults;
    TestVault vault;
    Vfs inTest;

    @BeforeEach
    void setUp() throws Exception {
        vault = TestVault.create(dir, store -> faults = new FaultyStore(store));
        vault.writeBackDelayMillis = 3_600_000; // nothing uploads unless a test asks
        inTest = vault.reopen();
        faults.blockPuts.set(0);
    }

    @AfterEach
    void tearDown() {
        faults.denyWrites(false);
        faults.failTransiently(0);
        vault.close();
    }

    static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    private long blockObjects() throws IOException {
        return vault.store.list("blocks/").size();
    }

    @Test
    @DisplayName("close returns before the commit; the file reads back from staging; sync uploads it")
    void closeThenSync() throws Exception {
        byte[] data = random(3_000_000, 1);
        vault.writeFile("/f", data);
        assertEquals(0, blockObjects(), "nothing uploaded yet");
        assertArrayEquals(data, vault.readFile("/f"));
        vault.sync();
        assertEquals(1, blockObjects());
        assertEquals(1, faults.blockPuts.get());
    }

    @Test
    @DisplayName("blocks a writer fills front to back are uploaded before the file is closed, and only once")
    void fullBlocksUploadWhileTheFileIsWritten() throws Exception {
        reopenWithWriteBackDelay(0);
        byte[] data = random(9_000_000, 5);
        long fh = writeStillOpen("/big", data); // still open, so not in the queue: only early uploads store blocks
        inTest.release(fh);
        vault.sync();
        assertEquals(3, blockObjects());
        assertEquals(3, faults.blockPuts.get(), "the commit reused the early uploads");
        inTest = vault.reopen();
        assertArrayEquals(data, vault.readFile("/big"));
    }

    @Test
    @DisplayName("a block uploaded early and then rewritten, or truncated away, leaves nothing behind on the remote")
    void earlyUploadsOfChangedBlocksAreDeleted() throws Exception {
        reopenWithWriteBackDelay(0);
        byte[] data = random(13_000_000, 6);
        long fh = writeStillOpen("/big", data);
        byte[] patch = random(1000, 7);
        inTest.write(fh, 100, patch, patch.length); // block 0 was handed over: the write goes to a copy
        inTest.truncate("/big", 5_000_000);         // block 2 goes away
        inTest.release(fh);
        vault.sync();
        System.arraycopy(patch, 0, data, 100, patch.length);
        byte[] expected = java.util.Arrays.copyOf(data, 5_000_000);
        inTest = vault.reopen();
        assertArrayEquals(expected, vault.readFile("/big"));
        VaultChecker.Report report = VaultChecker.check(vault.remote(), VaultChecker.Listener.NONE);
        assertTrue(report.healthy(), report.failures().toString());
        assertEquals(List.of(), report.unreferenced(), "early uploads of changed blocks were deleted");
        assertEquals(2, blockObjects());
    }

    @Test
    @DisplayName("small files upload many at once; 4 MiB blocks take turns within the upload memory budget")
    void uploadsInFlightStayWithinTheirMemory() throws Exception {
        vault.uploadThreads = 32;
        inTest = vault.reopen();
        faults.stall(150); // every upload lasts long enough for the others to start meanwhile
        for (int i = 0; i < 40; i++) {
            vault.writeFile("/small" + i, random(1000, 100 + i));
        }
        vault.sync();
        assertTrue(faults.mostBlockPutsAtOnce.get() > 8,
                "small files went " + faults.mostBlockPutsAtOnce.get() + " at once, not more than the old 8");

        faults.mostBlockPutsAtOnce.set(0);
        for (int i = 0; i < 6; i++) {
            vault.writeFile("/big" + i, random(12 << 20, 200 + i)); // 3 blocks of 4 MiB each
        }
        vault.sync();
        long fit = WriteBack.UPLOAD_BUFFER_BYTES / (4 << 20);
        assertTrue(faults.mostBlockPutsAtOnce.get() <= fit, faults.mostBlockPutsAtOnce.get() + " blocks of 4 MiB at once");
        assertTrue(faults.mostBlockPutsAtOnce.get() > 1, "large blocks still upload in parallel");
        faults.stall(0);
        inTest = vault.reopen();
        for (int i = 0; i < 6; i++) {
            assertArrayEquals(random(12 << 20, 200 + i), vault.readFile("/big" + i));
        }
    }

    @Test
    @DisplayName("large blocks upload from reused arrays, each with its own bytes, short blocks included")
    void reusedUploadArraysCarryEachBlocksOwnBytes() throws Exception {
        vault.uploadThreads = 32;
        inTest = vault.reopen();
        int[] sizes = {4 << 20, (4 << 20) + 1_500_000, 2_500_000, 9_000_000, (8 << 20) + 1_048_577, 1_048_577};
        for (int round = 0; round < 2; round++) { // the second round's arrays held the first round's blocks
            for (int i = 0; i < sizes.length; i++) {
                vault.writeFile("/f" + round + "-" + i, random(sizes[i], 300 + 10 * round + i));
            }
            vault.sync();
        }
        inTest = vault.reopen();
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < sizes.length; i++) {
                assertArrayEquals(random(sizes[i], 300 + 10 * round + i), vault.readFile("/f" + round + "-" + i));
            }
        }
    }

    private void reopenWithWriteBackDelay(long millis) throws IOException {
        vault.writeBackDelayMillis = millis;
        inTest = vault.reopen();
    }

    /** Writes a new file and, keeping it open, waits until its full blocks are uploaded; returns the handle. */
    private long writeStillOpen(String path, byte[] data) throws Exception {
        long fh = inTest.create(path, 0644, 0, 0, 1);
        inTest.write(fh, 0, data, data.length);
        awaitBlockObjects(data.length / (4 << 20), "full blocks uploaded while the file is still open");
        return fh;
    }

    private void awaitBlockObjects(int count, String why) throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        while (blockObjects() != count && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(count, blockObjects(), why);
    }

    @Test
    @DisplayName("a file written, closed and renamed like rsync does is uploaded once")
    void rsyncPattern() throws Exception {
        for (int i = 0; i < 20; i++) {
            String temp = "/.f" + i + ".XXXXXX";
            long fh = inTest.create(temp, 0600, 0, 0, 1);
            byte[] data = random(100_000 + i, i);
            inTest.write(fh, 0, data, data.length);
            inTest.release(fh);
            inTest.utimens(temp, 1_000_000_000L, 2_000_000_000L);
            inTest.chmod(temp, 0644);
            inTest.rename(temp, "/f" + i);
        }
        vault.sync();
        assertEquals(20, faults.blockPuts.get(), "one upload per file");
        assertEquals(20, blockObjects());
        assertArrayEquals(random(100_005, 5), vault.readFile("/f5"));
    }

    @Test
    @DisplayName("a change is uploaded once the write-back delay has passed, without waiting for a poll or a sync")
    void uploadStartsAfterTheDelayOfTheFirstChange() throws Exception {
        vault.writeBackDelayMillis = 100;
        vault.pollMillis = 600_000; // the worker's other reason to wake is ten minutes away
        inTest = vault.reopen();
        vault.writeFile("/f", random(5_000_000, 3));
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        while (blockObjects() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(2, blockObjects(), "uploaded without a sync, long before the next poll");
    }

    @Test
    @DisplayName("a file deleted before its upload is never uploaded; a large one uploaded early leaves nothing")
    void deletedBeforeUpload() throws Exception {
        vault.writeFile("/scratch", random(3_000_000, 2));
        inTest.unlink("/scratch");
        vault.sync();
        assertEquals(0, faults.blockPuts.get());
        assertEquals(0, blockObjects());

        reopenWithWriteBackDelay(200);
        long fh = writeStillOpen("/big-scratch", random(9_000_000, 2)); // 200 ms after each block filled
        inTest.unlink("/big-scratch");
        inTest.release(fh);
        vault.sync();
        awaitBlockObjects(0, "the early uploads of a file deleted before its commit are deleted");
    }

    @Test
    @DisplayName("a crash before the upload loses nothing that close returned for")
    void resumeAfterCrash() throws Exception {
        byte[] data = random(3_000_000, 3); // under one block: not uploaded early
        vault.writeFile("/kept", data);
        inTest.mkdir("/dir", 0755, 0, 0);
        inTest.rename("/kept", "/dir/kept");
        long fh = inTest.create("/unclosed", 0644, 0, 0, 1);
        inTest.write(fh, 0, new byte[100], 100);
        inTest.close(false); // as if killed: nothing drained, the open file never closed
        assertEquals(0, blockObjects());

        reopenWithWriteBackDelay(0);
        assertArrayEquals(data, vault.readFile("/dir/kept"), "served from staging after the crash");
        vault.sync();
        assertEquals(1, blockObjects());
        Files.walk(vault.staging).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        inTest = vault.reopen();
        assertArrayEquals(data, vault.readFile("/dir/kept"), "read from the vault alone");
    }

    @Test
    @DisplayName("transient store failures are retried until everything is stored intact")
    void transientFaults() throws Exception {
        faults.failTransiently(0.3);
        for (int i = 0; i < 10; i++) {
            vault.writeFile("/f" + i, random(1_000_000 + i, i));
        }
        vault.sync();
        faults.failTransiently(0);
        assertTrue(faults.injectedFailures.get() > 0, "faults were injected");
        inTest = vault.reopen();
        for (int i = 0; i < 10; i++) {
            assertArrayEquals(random(1_000_000 + i, i), vault.readFile("/f" + i));
        }
        VaultChecker.Report report = VaultChecker.check(vault.remote(), VaultChecker.Listener.NONE);
        assertTrue(report.healthy(), report.failures().toString());
        assertEquals(10, report.files());
    }

    @Test
    @DisplayName("a stalling store slows uploads down but loses nothing")
    void stalls() throws Exception {
        faults.stall(150);
        for (int i = 0; i < 6; i++) {
            vault.writeFile("/s" + i, random(300_000, 20 + i));
        }
        vault.sync();
        faults.stall(0);
        inTest = vault.reopen();
        for (int i = 0; i < 6; i++) {
            assertArrayEquals(random(300_000, 20 + i), vault.readFile("/s" + i));
        }
    }

    @Test
    @DisplayName("a permanent failure is reported by fsync and close, keeps the data, and heals")
    void permanentFailure() throws Exception {
        faults.denyWrites(true);
        byte[] data = random(2_000_000, 4);
        vault.writeFile("/f", data);
        IOException failure = assertThrows(IOException.class, () -> vault.sync());
        assertTrue(failure.getMessage().contains("access denied"), failure.getMessage());
        assertTrue(inTest.writeBackStats().failurePermanent());
        long fh = inTest.open("/f", 2);
        inTest.write(fh, 0, new byte[] {1}, 1);
        assertThrows(FsException.class, () -> inTest.flush(fh), "close reports the failure");
        inTest.release(fh);
        data[0] = 1;
        assertArrayEquals(data, vault.readFile("/f"), "kept in staging");

        faults.denyWrites(false);
        vault.sync();
        inTest = vault.reopen();
        assertArrayEquals(data, vault.readFile("/f"));
        assertEquals(null, inTest.writeBackStats().failure());
    }

    @Test
    @DisplayName("writers wait for uploads when staging is full, and nothing is lost")
    void backpressure() throws Exception {
        vault.writeBackDelayMillis = 3_600_000;
        vault.stagingLimitBytes = 6L << 20;
        inTest = vault.reopen();
        for (int i = 0; i < 8; i++) {
            vault.writeFile("/f" + i, random(2_000_000, 10 + i));
        }
        assertTrue(faults.blockPuts.get() >= 3, "uploads started before the delay because staging was full");
        vault.sync();
        for (int i = 0; i < 8; i++) {
            assertArrayEquals(random(2_000_000, 10 + i), vault.readFile("/f" + i));
        }
    }
}
