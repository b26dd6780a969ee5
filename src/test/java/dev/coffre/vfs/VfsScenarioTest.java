package dev.coffre.vfs;

import dev.coffre.remote.NodeType;
import dev.coffre.store.CountingStore;
import dev.coffre.store.ObjectStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** POSIX behaviour of the VFS on a real vault, in-process (the FUSE runner is in the *IT tests). */
class VfsScenarioTest {
    private static final int MIB = 1024 * 1024;

    @TempDir
    Path dir;
    CountingStore counting;
    TestVault vault;
    Vfs inTest;

    @BeforeEach
    void setUp() throws Exception {
        vault = TestVault.create(dir, store -> counting = new CountingStore(store));
        inTest = vault.vfs();
    }

    @AfterEach
    void tearDown() {
        vault.close();
    }

    static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    private FsError errorOf(org.junit.jupiter.api.function.Executable call) {
        return assertThrows(FsException.class, call).error();
    }

    @Nested
    @DisplayName("Content")
    class Content {
        @Test
        @DisplayName("files of sizes around block and segment edges survive a remount")
        void sizesAroundEdges() throws Exception {
            int[] sizes = {0, 1, 65535, 65536, 65537, 4 * MIB - 1, 4 * MIB, 4 * MIB + 1, 9 * MIB + 123};
            for (int size : sizes) {
                vault.writeFile("/f" + size, random(size, size));
            }
            inTest = vault.reopen();
            for (int size : sizes) {
                assertArrayEquals(random(size, size), vault.readFile("/f" + size), "size " + size);
                assertEquals(size, inTest.getattr("/f" + size).size());
            }
        }

        @Test
        @DisplayName("random writes into a large file match a reference copy, also after remount")
        void randomWrites() throws Exception {
            byte[] reference = random(10 * MIB, 1);
            vault.writeFile("/big", reference);
            Random random = new Random(2);
            long fh = inTest.open("/big", 2);
            for (int i = 0; i < 200; i++) {
                int offset = random.nextInt(reference.length - 5000);
                byte[] patch = random(1 + random.nextInt(5000), i);
                inTest.write(fh, offset, patch, patch.length);
                System.arraycopy(patch, 0, reference, offset, patch.length);
                if (i % 50 == 0) {
                    inTest.flush(fh);
                }
            }
            inTest.release(fh);
            assertArrayEquals(reference, vault.readFile("/big"));
            vault.reopen();
            assertArrayEquals(reference, vault.readFile("/big"));
        }

        @Test
        @DisplayName("closing a written file keeps the attributes it had while open (the kernel may keep them)")
        void closingKeepsTheAttributesSeenWhileOpen() throws Exception {
            long fh = inTest.create("/kept", 0644, 0, 0, 1);
            inTest.write(fh, 0, new byte[] {1, 2, 3}, 3);
            Attributes whileOpen = inTest.getattr(fh);
            Thread.sleep(5); // the clock moves on before the close
            inTest.release(fh);
            Attributes closed = inTest.getattr("/kept");
            assertEquals(List.of(whileOpen.size(), whileOpen.mtime(), whileOpen.ctime()),
                    List.of(closed.size(), closed.mtime(), closed.ctime()));
        }

        @Test
        @DisplayName("a write past the end leaves zeros in between")
        void sparse() throws Exception {
            long fh = inTest.create("/sparse", 0644, 0, 0, 1);
            inTest.write(fh, 5 * MIB + 7, new byte[] {42}, 1);
            inTest.release(fh);
            byte[] content = vault.readFile("/sparse");
            assertEquals(5 * MIB + 8, content.length);
            byte[] expected = new byte[content.length];
            expected[5 * MIB + 7] = 42;
            assertArrayEquals(expected, content);
        }

        @Test
        @DisplayName("truncate down then up brings back zeros, not old bytes")
        void truncateShrinkGrow() throws Exception {
            byte[] data = random(6 * MIB, 3);
            vault.writeFile("/t", data);
            inTest.truncate("/t", 4 * MIB + 10);
            inTest.truncate("/t", 6 * MIB);
            byte[] expected = Arrays.copyOf(Arrays.copyOf(data, 4 * MIB + 10), 6 * MIB);
            assertArrayEquals(expected, vault.readFile("/t"));
            inTest.truncate("/t", 100);
            inTest.truncate("/t", 200);
            vault.reopen();
            assertArrayEquals(Arrays.copyOf(Arrays.copyOf(data, 100), 200), vault.readFile("/t"));
        }

        @Test
        @DisplayName("changing 10 bytes of a 12 MiB file uploads one block")
        void partialRewriteUploadsOnlyChangedBlock() throws Exception {
            vault.writeFile("/big", random(12 * MIB, 4));
            vault.sync();
            Set<String> before = new HashSet<>(vault.store.list("blocks/"));
            assertEquals(3, before.size());
            long fh = inTest.open("/big", 2);
            inTest.write(fh, 5 * MIB, new byte[10], 10);
            inTest.release(fh);
            vault.sync();
            Set<String> after = new HashSet<>(vault.store.list("blocks/"));
            Set<String> added = new HashSet<>(after);
            added.removeAll(before);
            Set<String> removed = new HashSet<>(before);
            removed.removeAll(after);
            assertEquals(1, added.size(), "one new block object");
            assertEquals(1, removed.size(), "the replaced block object is deleted");
        }

        @Test
        @DisplayName("reading 4 KiB in the middle of a large file fetches one segment")
        void lazyRead() throws Exception {
            vault.writeFile("/big", random(40 * MIB, 5));
            inTest = vault.reopen();
            counting.reset();
            long fh = inTest.open("/big", 0);
            byte[] buffer = new byte[4096];
            assertEquals(4096, inTest.read(fh, 20 * MIB + 100_000, buffer, 4096));
            inTest.release(fh);
            assertArrayEquals(Arrays.copyOfRange(random(40 * MIB, 5), 20 * MIB + 100_000, 20 * MIB + 104_096), buffer);
            assertEquals(1, counting.rangeReads.get());
            assertTrue(counting.bytesRead.get() <= 64 * 1024 + 16, "read " + counting.bytesRead.get() + " bytes");
        }

        @Test
        @DisplayName("a sequential reader is served by large parallel fetches ahead of it; a random one is not")
        void readAhead() throws Exception {
            byte[] data = random(24 * MIB, 8);
            vault.writeFile("/video", data);
            inTest = vault.reopen();
            counting.reset();
            long fh = inTest.open("/video", 0);
            byte[] buffer = new byte[128 * 1024];
            for (int offset = 0; offset < data.length; offset += buffer.length) {
                int n = inTest.read(fh, offset, buffer, buffer.length);
                assertArrayEquals(Arrays.copyOfRange(data, offset, offset + n), Arrays.copyOf(buffer, n));
            }
            inTest.release(fh);
            long sequentialRequests = counting.rangeReads.get();
            assertTrue(sequentialRequests <= 40, "192 reads of 128 KiB took " + sequentialRequests + " requests");

            inTest = vault.reopen();
            counting.reset();
            fh = inTest.open("/video", 0);
            Random random = new Random(9);
            for (int i = 0; i < 20; i++) {
                inTest.read(fh, random.nextInt(data.length - 4096), buffer, 4096);
            }
            inTest.release(fh);
            assertTrue(counting.bytesRead.get() <= 20L * 2 * (64 * 1024 + 16),
                    "random 4 KiB reads fetched " + counting.bytesRead.get() + " bytes");

            // 1 MiB read from the middle, as a player seeking and then reading on: read-ahead starts, but
            // fetches not much more than what is read.
            inTest = vault.reopen();
            counting.reset();
            fh = inTest.open("/video", 0);
            for (int offset = 12 * MIB; offset < 13 * MIB; offset += buffer.length) {
                int n = inTest.read(fh, offset, buffer, buffer.length);
                assertArrayEquals(Arrays.copyOfRange(data, offset, offset + n), Arrays.copyOf(buffer, n));
            }
            long fetched;
            do { // Prefetches started by the reads may still be landing.
                fetched = counting.bytesRead.get();
                Thread.sleep(300);
            } while (fetched != counting.bytesRead.get());
            inTest.release(fh);
            assertTrue(fetched <= 4L * MIB, "reading 1 MiB from the middle fetched " + fetched + " bytes");
        }

        @Test
        @DisplayName("a file deleted while open stays readable until closed, then its objects go")
        void unlinkWhileOpen() throws Exception {
            byte[] data = random(5 * MIB, 6);
            vault.writeFile("/doomed", data);
            long fh = inTest.open("/doomed", 0);
            inTest.unlink("/doomed");
            assertEquals(FsError.NOT_FOUND, errorOf(() -> inTest.getattr("/doomed")));
            byte[] head = new byte[1000];
            inTest.read(fh, 0, head, 1000);
            assertArrayEquals(Arrays.copyOf(data, 1000), head);
            inTest.release(fh);
            vault.sync();
            // Its first block was uploaded while it was written; that upload is deleted right after the commit.
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
            while (!vault.store.list("blocks/").isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(List.of(), vault.store.list("blocks/"));
        }
    }

    @Nested
    @DisplayName("Names")
    class Names {
        @Test
        void renameReplacesAFileAtomically() throws Exception {
            vault.writeFile("/a", "new".getBytes(StandardCharsets.UTF_8));
            vault.writeFile("/b", "old".getBytes(StandardCharsets.UTF_8));
            inTest.rename("/a", "/b");
            assertEquals("new", new String(vault.readFile("/b"), StandardCharsets.UTF_8));
            assertEquals(FsError.NOT_FOUND, errorOf(() -> inTest.getattr("/a")));
        }

        @Test
        void renameErrorsFollowPosix() throws Exception {
            inTest.mkdir("/d", 0755, 0, 0);
            inTest.mkdir("/d/sub", 0755, 0, 0);
            inTest.mkdir("/full", 0755, 0, 0);
            vault.writeFile("/full/x", new byte[1]);
            vault.writeFile("/file", new byte[1]);
            assertEquals(FsError.INVALID, errorOf(() -> inTest.rename("/d", "/d/sub/inside")));
            assertEquals(FsError.NOT_EMPTY, errorOf(() -> inTest.rename("/d", "/full")));
            assertEquals(FsError.IS_DIRECTORY, errorOf(() -> inTest.rename("/file", "/d")));
            assertEquals(FsError.NOT_DIRECTORY, errorOf(() -> inTest.rename("/d", "/file")));
            assertEquals(FsError.NOT_EMPTY, errorOf(() -> inTest.rmdir("/full")));
            assertEquals(FsError.NOT_DIRECTORY, errorOf(() -> inTest.rmdir("/file")));
            assertEquals(FsError.IS_DIRECTORY, errorOf(() -> inTest.unlink("/d")));
            inTest.rename("/d/sub", "/full/sub");
            assertEquals(NodeType.DIRECTORY, inTest.getattr("/full/sub").type());
            assertEquals(3, inTest.getattr("/full").nlink());
            assertEquals(2, inTest.getattr("/d").nlink());
        }

        @Test
        void hardLinksShareContentAndCount() throws Exception {
            vault.writeFile("/one", "shared".getBytes(StandardCharsets.UTF_8));
            inTest.link("/one", "/two");
            assertEquals(2, inTest.getattr("/one").nlink());
            assertEquals(inTest.getattr("/one").ino(), inTest.getattr("/two").ino());
            inTest.rename("/one", "/two"); // same inode: nothing happens
            assertEquals(2, inTest.getattr("/two").nlink());
            inTest.unlink("/one");
            assertEquals(1, inTest.getattr("/two").nlink());
            assertEquals("shared", new String(vault.readFile("/two"), StandardCharsets.UTF_8));
            inTest.mkdir("/dir", 0755, 0, 0);
            assertEquals(FsError.NOT_PERMITTED, errorOf(() -> inTest.link("/dir", "/dir2")));
        }

        @Test
        void namesOver255BytesAreRefusedAndCreateNothing() throws Exception {
            String ok = "é".repeat(127) + "x"; // 255 bytes in UTF-8
            String tooLong = "é".repeat(128); // 256 bytes
            vault.writeFile("/" + ok, new byte[1]);
            assertEquals(FsError.NAME_TOO_LONG, errorOf(() -> inTest.create("/" + tooLong, 0644, 0, 0, 1)));
            assertEquals(FsError.NAME_TOO_LONG, errorOf(() -> inTest.mkdir("/" + tooLong, 0755, 0, 0)));
            assertEquals(3, inTest.readdir("/").size(), ". .. and the 255-byte name");
        }

        @Test
        void everythingPersistsAcrossRemount() throws Exception {
            inTest.mkdir("/dir", 0750, 1000, 1000);
            vault.writeFile("/dir/file", "content".getBytes(StandardCharsets.UTF_8));
            inTest.symlink("../x/y", "/dir/link", 1000, 1000);
            inTest.chmod("/dir/file", 0600);
            inTest.chown("/dir/file", 1234, 5678);
            inTest.utimens("/dir/file", 1_000_000_001L, 1_600_000_000_123_456_789L);
            inTest.setxattr("/dir/file", "user.tag", new byte[] {1, 2, 3}, 0);
            inTest.mknod("/dir/fifo", 0010644, 0, 0, 0);
            vault.reopen();
            Attributes file = inTest.getattr("/dir/file");
            assertEquals(0600, file.mode());
            assertEquals(1234, file.uid());
            assertEquals(5678, file.gid());
            assertEquals(1_600_000_000_123_456_789L, file.mtime());
            assertEquals(1_000_000_001L, file.atime());
            assertArrayEquals(new byte[] {1, 2, 3}, inTest.getxattr("/dir/file", "user.tag"));
            assertEquals("../x/y", inTest.readlink("/dir/link"));
            assertEquals(0750, inTest.getattr("/dir").mode());
            assertEquals(NodeType.FIFO, inTest.getattr("/dir/fifo").type());
            assertEquals("content", new String(vault.readFile("/dir/file"), StandardCharsets.UTF_8));
        }

        @Test
        void xattrFlagsAndErrors() throws Exception {
            vault.writeFile("/f", new byte[0]);
            assertEquals(FsError.NO_ATTRIBUTE, errorOf(() -> inTest.setxattr("/f", "user.a", new byte[1], 2)));
            inTest.setxattr("/f", "user.a", new byte[1], 1);
            assertEquals(FsError.EXISTS, errorOf(() -> inTest.setxattr("/f", "user.a", new byte[1], 1)));
            inTest.setxattr("/f", "user.a", new byte[] {9}, 2);
            assertArrayEquals(new byte[] {9}, inTest.getxattr("/f", "user.a"));
            assertEquals(List.of("user.a"), inTest.listxattr("/f"));
            inTest.removexattr("/f", "user.a");
            assertEquals(FsError.NO_ATTRIBUTE, errorOf(() -> inTest.getxattr("/f", "user.a")));
            assertEquals(FsError.NOT_SUPPORTED, errorOf(() -> inTest.setxattr("/f", "system.posix_acl_access", new byte[4], 0)));
        }

        @Test
        void aFailedOperationChangesNothing() throws Exception {
            vault.writeFile("/keep", new byte[1]);
            vault.sync();
            int records = vault.store.list("journal/").size();
            assertThrows(FsException.class, () -> inTest.mkdir("/keep", 0755, 0, 0));
            assertThrows(FsException.class, () -> inTest.rename("/missing", "/x"));
            vault.sync();
            assertEquals(records, vault.store.list("journal/").size());
            assertFalse(inTest.readdir("/").stream().anyMatch(e -> e.name().equals("x")));
        }
    }

    @Test
    @DisplayName("the journal is compacted into a snapshot, and the vault still loads")
    void compaction() throws Exception {
        for (int i = 0; i < 1100; i++) {
            inTest.mkdir("/d" + i, 0755, 0, 0);
            vault.sync(); // one journal record each
        }
        assertEquals(List.of("snapshots/0000000000001000"), vault.store.list("snapshots/"));
        // Records up to the snapshot are no longer needed: without them the vault must load from the snapshot.
        ObjectStore store = vault.store;
        for (String key : store.list("journal/")) {
            if (Long.parseLong(key.substring("journal/".length())) <= 1000) {
                store.delete(key);
            }
        }
        inTest = vault.reopen();
        assertEquals(1102, inTest.readdir("/").size());
    }
}
