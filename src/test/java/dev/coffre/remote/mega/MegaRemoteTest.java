package dev.coffre.remote.mega;

import dev.coffre.cache.SegmentCache;
import dev.coffre.io.PendingLog;
import dev.coffre.io.StagingArea;
import dev.coffre.io.WriteBack;
import dev.coffre.remote.IntegrityException;
import dev.coffre.remote.InodeRecord;
import dev.coffre.remote.MetaOp;
import dev.coffre.remote.Remote;
import dev.coffre.vfs.FsError;
import dev.coffre.vfs.FsException;
import dev.coffre.vfs.Vfs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The filesystem core ({@link Vfs} with its write-back) on {@link MegaRemote}, against {@link FakeMegaServer}
 * (it has action packets, move, Rubbish Bin and delete, which mega-mock lacks). A second {@link MegaClient}
 * plays another MEGA client: it checks what the mount stored (MAC-verified) and changes the tree behind it.
 */
class MegaRemoteTest {
    private static final int[] SIZES = {0, 1, 128 * 1024 - 1, 128 * 1024, 128 * 1024 + 1, 1024 * 1024,
            4 * 1024 * 1024 + 3};

    @TempDir
    Path temp;
    private final List<AutoCloseable> open = new ArrayList<>();
    private FakeMegaServer server;

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private final class Mount implements AutoCloseable {
        final MegaClient client;
        final MegaRemote remote;
        final Vfs vfs;

        Mount(String name, boolean hardDelete) throws IOException {
            this(name, hardDelete, MegaVerification.CHUNKS);
        }

        Mount(String name, boolean hardDelete, MegaVerification verification) throws IOException {
            client = MegaClient.login(server.config(), server.credentials(null));
            Path work = temp.resolve(name);
            remote = new MegaRemote(client, work.resolve("mega"), hardDelete, 1000, 1000);
            remote.verifyReads(verification, work.resolve("chunk-macs"));
            StagingArea staging = new StagingArea(work.resolve("blocks"));
            WriteBack writeBack = new WriteBack(remote, staging, new PendingLog(work), 0, 2, 1L << 30, 200, 0);
            vfs = new Vfs(remote, new SegmentCache(64L << 20), staging, writeBack, Clock.systemUTC());
            vfs.load();
        }

        void write(String path, byte[] content) throws IOException {
            long fh;
            try {
                fh = vfs.create(path, 0644, 1000, 1000, 1);
            } catch (FsException exists) {
                vfs.truncate(path, 0);
                fh = vfs.open(path, 1);
            }
            int done = 0;
            while (done < content.length) {
                int n = Math.min(128 * 1024, content.length - done);
                byte[] piece = java.util.Arrays.copyOfRange(content, done, done + n);
                vfs.write(fh, done, piece, n);
                done += n;
            }
            vfs.release(fh);
        }

        byte[] read(String path) throws IOException {
            return dev.coffre.vfs.TestVault.readAll(vfs, path);
        }

        /** path to size ("/" for folders: -1) below {@code dir}. */
        Map<String, Long> listing(String dir, Map<String, Long> out) throws IOException {
            return dev.coffre.vfs.TestVault.listing(vfs, dir, out);
        }

        @Override
        public void close() {
            vfs.close(true);
            client.close();
        }
    }

    private Mount mount(String name, boolean hardDelete) throws IOException {
        Mount m = new Mount(name, hardDelete);
        open.add(0, m);
        return m;
    }

    private MegaClient other() throws IOException {
        MegaClient client = MegaClient.login(server.config(), server.credentials(null));
        open.add(0, client);
        return client;
    }

    private static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    private static byte[] verified(MegaClient client, MegaNode node) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        client.readWhole(node, out);
        return out.toByteArray();
    }

    @Test
    void writesReadsRenamesDeletesAndRemounts() throws Exception {
        server = new FakeMegaServer(FakeMegaAccount.v2(null, FakeMegaAccount.SessionStyle.RSA));
        open.add(server);
        Mount m = mount("a", false);
        m.vfs.mkdir("/docs", 0755, 1000, 1000);
        m.vfs.mkdir("/docs/deep", 0755, 1000, 1000);
        for (int size : SIZES) {
            m.write("/docs/f" + size, random(size, size));
        }
        m.vfs.syncAll();
        for (int size : SIZES) {
            assertArrayEquals(random(size, size), m.read("/docs/f" + size), "size " + size);
        }
        // What another client sees: every file there, MAC-verified, mtime in the fingerprint.
        MegaClient b = other();
        MegaTree seen = b.fetchTree();
        for (int size : SIZES) {
            MegaNode node = seen.resolve("docs/f" + size);
            assertNotNull(node, "f" + size);
            assertArrayEquals(random(size, size), verified(b, node));
            assertTrue(node.mtimeSeconds() > 0);
        }
        m.vfs.rename("/docs/f1", "/docs/deep/one");
        m.vfs.rename("/docs/f0", "/docs/empty");
        m.vfs.unlink("/docs/f131072");
        m.write("/docs/f131073", random(77, 77)); // replaced content: uploaded whole again
        m.vfs.utimens("/docs/f1048576", null, 1_600_000_000_000_000_000L);
        m.vfs.syncAll();
        Map<String, Long> before = m.listing("/", new TreeMap<>());
        seen = b.fetchTree();
        assertNull(seen.resolve("docs/f131072"));
        assertNotNull(seen.resolve("docs/deep/one"));
        assertEquals(1_600_000_000L, seen.resolve("docs/f1048576").mtimeSeconds());
        assertEquals(2, seen.children(seen.rubbish().handle()).size(), "deleted and replaced go to the Rubbish Bin");
        m.close();
        open.remove(m);

        Mount again = mount("b", false);
        assertEquals(before, again.listing("/", new TreeMap<>()));
        assertArrayEquals(random(1, 1), again.read("/docs/deep/one"));
        assertArrayEquals(random(77, 77), again.read("/docs/f131073"));
        assertArrayEquals(random(4 * 1024 * 1024 + 3, 4 * 1024 * 1024 + 3), again.read("/docs/f4194307"));
        assertEquals(1_600_000_000_000_000_000L, again.vfs.getattr("/docs/f1048576").mtime());
    }

    @Test
    void changesOfOtherClientsAppearAndDuplicateNamesAreTold() throws Exception {
        server = new FakeMegaServer(FakeMegaAccount.v2(null, FakeMegaAccount.SessionStyle.RSA));
        open.add(server);
        MegaClient b = other();
        MegaTree tree = b.fetchTree();
        MegaNode one = b.upload(tree.root().handle(), "same.txt", ContentSource.of("one".getBytes(StandardCharsets.UTF_8)), 100);
        MegaNode two = b.upload(tree.root().handle(), "same.txt",
                ContentSource.of("two".getBytes(StandardCharsets.UTF_8)), 100);
        // The oldest keeps the name: creation time, then handle (both may come in the same second).
        boolean oneFirst = one.createdSeconds() < two.createdSeconds()
                || one.createdSeconds() == two.createdSeconds() && one.handle().compareTo(two.handle()) < 0;
        MegaNode second = oneFirst ? two : one;
        String firstText = oneFirst ? "one" : "two";
        String secondText = oneFirst ? "two" : "one";
        Mount m = mount("a", true);
        assertArrayEquals(firstText.getBytes(StandardCharsets.UTF_8), m.read("/same.txt"));
        assertArrayEquals(secondText.getBytes(StandardCharsets.UTF_8), m.read("/same (" + second.handle() + ").txt"));

        byte[] big = random(300_000, 5);
        b.upload(tree.root().handle(), "later.bin", ContentSource.of(big), 100);
        long deadline = System.currentTimeMillis() + 10_000;
        while (!m.listing("/", new TreeMap<>()).containsKey("/later.bin") && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertArrayEquals(big, m.read("/later.bin"));
        b.delete(second);
        deadline = System.currentTimeMillis() + 10_000;
        while (m.listing("/", new TreeMap<>()).containsKey("/same (" + second.handle() + ").txt")
                && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(Map.of("/same.txt", 3L, "/later.bin", 300_000L), m.listing("/", new TreeMap<>()));

        m.vfs.unlink("/same.txt"); // --mega-hard-delete: gone for good
        m.vfs.syncAll();
        MegaTree now = b.fetchTree();
        assertEquals(0, now.children(now.rubbish().handle()).size());
    }

    @Test
    void whatMegaCannotStoreIsRefused() throws Exception {
        server = new FakeMegaServer(FakeMegaAccount.v2(null, FakeMegaAccount.SessionStyle.RSA));
        open.add(server);
        Mount m = mount("a", false);
        m.write("/f", new byte[]{1});
        assertEquals(FsError.NOT_PERMITTED, assertThrows(FsException.class, () -> m.vfs.chmod("/f", 0600)).error());
        m.vfs.chmod("/f", 0644); // the mode it has: no change, no error
        assertEquals(FsError.NOT_PERMITTED, assertThrows(FsException.class, () -> m.vfs.chown("/f", 1, 1)).error());
        m.vfs.chown("/f", 1000, -1); // the owner it has
        assertEquals(FsError.NOT_PERMITTED, assertThrows(FsException.class,
                () -> m.vfs.mknod("/fifo", 0010644, 0, 1000, 1000)).error());
        assertEquals(FsError.NOT_PERMITTED, assertThrows(FsException.class, () -> m.vfs.symlink("f", "/s", 0, 0)).error());
        assertEquals(FsError.NOT_PERMITTED, assertThrows(FsException.class, () -> m.vfs.link("/f", "/g")).error());
        assertEquals(FsError.NOT_SUPPORTED, assertThrows(FsException.class,
                () -> m.vfs.setxattr("/f", "user.a", new byte[1], 0)).error());
        assertTrue(m.vfs.statfs().totalBytes() > 0, "statfs from uq");
    }

    // ---- lazy, verified reads (issue #6) ----

    /** A {@link MegaRemote} read directly, block by block, the way the filesystem core asks for segments. */
    private final class Reader implements AutoCloseable {
        final MegaRemote remote;
        final Path macs;
        final Map<String, InodeRecord> files = new TreeMap<>();

        Reader(String cache, MegaVerification verification) throws IOException {
            MegaClient client = MegaClient.login(server.config(), server.credentials(null));
            Path work = temp.resolve(cache);
            macs = work.resolve("chunk-macs");
            remote = new MegaRemote(client, work.resolve("content"), false, 1000, 1000);
            remote.verifyReads(verification, macs);
            Map<Long, InodeRecord> records = new java.util.HashMap<>();
            Map<String, Long> names = new java.util.HashMap<>();
            remote.load(op -> {
                if (op.op().equals(MetaOp.INODE)) {
                    records.put(op.inode().ino(), op.inode());
                } else if (op.op().equals(MetaOp.LINK) && op.parent() == 1) {
                    names.put(op.name(), op.ino());
                }
            });
            names.forEach((name, ino) -> files.put(name, records.get(ino)));
            open.add(0, this);
        }

        /** {@code length} bytes at {@code offset}, asked for per block as whole segments. */
        byte[] read(String name, long offset, int length) throws IOException {
            InodeRecord file = files.get(name);
            byte[] out = new byte[length];
            int done = 0;
            while (done < length) {
                long position = offset + done;
                int block = (int) (position / Remote.BLOCK_SIZE);
                int inBlock = (int) (position % Remote.BLOCK_SIZE);
                int n = Math.min(length - done, Remote.BLOCK_SIZE - inBlock);
                int first = inBlock / Remote.SEGMENT_SIZE;
                int last = (inBlock + n - 1) / Remote.SEGMENT_SIZE;
                byte[][] segments = remote.readSegments(file.ino(), block, file.blocks().get(block), first, last - first + 1);
                ByteArrayOutputStream joined = new ByteArrayOutputStream();
                for (byte[] segment : segments) {
                    joined.writeBytes(segment);
                }
                System.arraycopy(joined.toByteArray(), inBlock - first * Remote.SEGMENT_SIZE, out, done, n);
                done += n;
            }
            return out;
        }

        /** A whole block, as the filesystem's read-ahead asks for it. */
        byte[] readBlock(String name, int block) throws IOException {
            InodeRecord file = files.get(name);
            long size = Math.min(Remote.BLOCK_SIZE, file.size() - (long) block * Remote.BLOCK_SIZE);
            return read(name, (long) block * Remote.BLOCK_SIZE, (int) size);
        }

        ChunkLedger.State state(String handle) {
            return remote.verification(handle);
        }

        boolean macsSaved() throws IOException {
            try (var list = java.nio.file.Files.list(macs)) {
                return list.anyMatch(p -> !p.getFileName().toString().startsWith("."));
            }
        }

        @Override
        public void close() {
            remote.close();
        }
    }

    private MegaNode put(String name, byte[] content) throws IOException {
        MegaClient uploader = other();
        return uploader.upload(uploader.fetchTree().root().handle(), name, ContentSource.of(content), 100);
    }

    private static byte[] slice(byte[] data, long offset, int length) {
        return java.util.Arrays.copyOfRange(data, (int) offset, (int) offset + length);
    }

    @Nested
    @DisplayName("lazy, verified reads")
    class LazyReads {
        @org.junit.jupiter.api.BeforeEach
        void startServer() throws IOException {
            server = new FakeMegaServer(FakeMegaAccount.v2(null, FakeMegaAccount.SessionStyle.RSA));
            open.add(server);
        }

        @Test
        @DisplayName("a 4 KiB read of a 10 MiB file fetches the chunk it is in, not the file, and is not verified yet")
        void smallReadFetchesOneChunk() throws Exception {
            byte[] data = random(10 * 1024 * 1024 + 5, 1);
            MegaNode node = put("big", data);
            Reader reader = new Reader("r", MegaVerification.CHUNKS);
            long before = server.bytesServed();
            assertArrayEquals(slice(data, 6_000_000, 4096), reader.read("big", 6_000_000, 4096));
            long served = server.bytesServed() - before;
            assertTrue(served <= Chunks.MAX_CHUNK && served >= 4096, "served " + served);
            assertEquals(ChunkLedger.State.COLLECTING, reader.state(node.handle()));
            assertFalse(reader.macsSaved());
        }

        @Test
        @DisplayName("reading every chunk, in any order, verifies the file once; each chunk is fetched once")
        void readThroughVerifies() throws Exception {
            int[] sizes = {1, 128 * 1024 - 1, 128 * 1024, 128 * 1024 + 1, 4 * 1024 * 1024, 4 * 1024 * 1024 + 3,
                    4608 * 1024, 9 * 1024 * 1024 + 17};
            Map<Integer, MegaNode> nodes = new TreeMap<>();
            for (int size : sizes) {
                nodes.put(size, put("f" + size, random(size, size)));
            }
            Reader reader = new Reader("r", MegaVerification.CHUNKS);
            for (int size : sizes) {
                byte[] data = random(size, size);
                int blocks = (size + Remote.BLOCK_SIZE - 1) / Remote.BLOCK_SIZE;
                long before = server.bytesServed();
                for (int block = blocks - 1; block >= 0; block--) { // backwards: the block-edge chunk is kept
                    int requests = server.downloadRequests();
                    int at = block * Remote.BLOCK_SIZE;
                    assertArrayEquals(slice(data, at, Math.min(Remote.BLOCK_SIZE, size - at)), reader.readBlock("f" + size, block));
                    assertTrue(server.downloadRequests() - requests <= 1, "one request per block");
                }
                assertEquals(size, server.bytesServed() - before, "each chunk of " + size + " fetched once");
                assertEquals(ChunkLedger.State.VERIFIED, reader.state(nodes.get(size).handle()), "size " + size);
            }
            assertTrue(reader.macsSaved());
        }

        @Test
        @DisplayName("through the filesystem: sizes on and off chunk boundaries and an empty file read back verified")
        void throughTheFilesystem() throws Exception {
            int[] sizes = {0, 1, 131072, 131073, 4608 * 1024, 6 * 1024 * 1024 + 1};
            for (int size : sizes) {
                put("f" + size, random(size, size));
            }
            Mount m = mount("m", false);
            for (int size : sizes) {
                assertArrayEquals(random(size, size), m.read("/f" + size), "size " + size);
            }
            MegaTree tree = other().fetchTree();
            for (int size : sizes) {
                assertEquals(ChunkLedger.State.VERIFIED, m.remote.verification(tree.resolve("f" + size).handle()), "size " + size);
            }
        }

        @Test
        @DisplayName("a sequential read through the filesystem fetches each chunk about once, in block-sized requests")
        void sequentialReadFetchesOnce() throws Exception {
            int size = 20 * 1024 * 1024 + 3;
            byte[] data = random(size, 7);
            MegaNode node = put("seq", data);
            Mount m = mount("m", false);
            long before = server.bytesServed();
            int requests = server.downloadRequests();
            long started = System.nanoTime();
            assertArrayEquals(data, m.read("/seq"));
            long millis = (System.nanoTime() - started) / 1_000_000;
            long served = server.bytesServed() - before;
            int made = server.downloadRequests() - requests;
            System.out.println("sequential read of " + size + " bytes: " + millis + " ms, " + served + " bytes in "
                    + made + " requests");
            assertTrue(served <= size + Chunks.MAX_CHUNK, "served " + served);
            assertTrue(made <= size / Chunks.MAX_CHUNK, made + " requests");
            assertEquals(ChunkLedger.State.VERIFIED, m.remote.verification(node.handle()));
        }

        @Test
        @DisplayName("a corrupted byte on the server fails the read that completes the file, and every read after it")
        void corruptionFailsTheCompletingRead() throws Exception {
            byte[] data = random(6 * 1024 * 1024, 2);
            MegaNode node = put("f", data);
            server.tamper(node.handle(), 5_000_000); // chunk 8, in block 1
            Reader reader = new Reader("r", MegaVerification.CHUNKS);
            byte[] unverified = reader.readBlock("f", 1);
            assertEquals(data[5_000_000] ^ 1, unverified[5_000_000 - Remote.BLOCK_SIZE], "returned before the file is read through");
            IntegrityException failure = assertThrows(IntegrityException.class, () -> reader.readBlock("f", 0));
            assertTrue(failure.getMessage().contains(node.handle()), failure.getMessage());
            assertEquals(ChunkLedger.State.FAILED, reader.state(node.handle()));
            assertThrows(IntegrityException.class, () -> reader.read("f", 5_000_000, 10), "poisoned: nothing more is served");
            assertThrows(IntegrityException.class, () -> reader.read("f", 0, 10));
            assertFalse(reader.macsSaved());
        }

        @Test
        @DisplayName("verified chunk MACs survive a remount: random reads are checked without a whole-file download")
        void macsSurviveRemount() throws Exception {
            byte[] data = random(7 * 1024 * 1024 + 100, 3);
            MegaNode node = put("f", data);
            Reader first = new Reader("cache", MegaVerification.CHUNKS);
            first.read("f", 0, data.length);
            assertEquals(ChunkLedger.State.VERIFIED, first.state(node.handle()));
            first.close();
            open.remove(first);

            long chunk9 = Chunks.start(9);
            server.tamper(node.handle(), chunk9 + 10);
            Reader again = new Reader("cache", MegaVerification.CHUNKS);
            assertEquals(ChunkLedger.State.VERIFIED, again.state(node.handle()), "MACs read from the cache folder");
            long before = server.bytesServed();
            assertArrayEquals(slice(data, Chunks.start(2) + 100, 4096), again.read("f", Chunks.start(2) + 100, 4096));
            assertEquals(Chunks.length(2, data.length), server.bytesServed() - before, "one chunk, checked against its MAC");
            IntegrityException failure = assertThrows(IntegrityException.class, () -> again.read("f", chunk9, 4096));
            assertTrue(failure.getMessage().contains("chunk 9"), failure.getMessage());
            assertArrayEquals(slice(data, Chunks.start(3), 4096), again.read("f", Chunks.start(3), 4096),
                    "other chunks still read");

            Reader elsewhere = new Reader("other-cache", MegaVerification.CHUNKS);
            assertEquals(ChunkLedger.State.COLLECTING, elsewhere.state(node.handle()), "no MACs in another cache folder");
        }

        @Test
        @DisplayName("saved MACs that do not match the file's key are ignored, not believed")
        void plantedMacsIgnored() throws Exception {
            byte[] data = random(300_000, 4);
            MegaNode node = put("f", data);
            Reader first = new Reader("cache", MegaVerification.CHUNKS);
            first.read("f", 0, data.length);
            first.close();
            open.remove(first);
            try (var list = java.nio.file.Files.list(temp.resolve("cache/chunk-macs"))) {
                Path saved = list.findFirst().orElseThrow();
                assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                        java.nio.file.Files.getPosixFilePermissions(saved)));
                byte[] macs = java.nio.file.Files.readAllBytes(saved);
                macs[0] ^= 1;
                java.nio.file.Files.write(saved, macs);
            }
            Reader again = new Reader("cache", MegaVerification.CHUNKS);
            assertEquals(ChunkLedger.State.COLLECTING, again.state(node.handle()));
        }

        @Test
        @DisplayName("--mega-verify=full: the first read downloads and checks the whole file before returning")
        void fullVerification() throws Exception {
            byte[] data = random(9 * 1024 * 1024 + 7, 5);
            MegaNode good = put("good", data);
            MegaNode bad = put("bad", data);
            server.tamper(bad.handle(), data.length - 1);
            Reader reader = new Reader("r", MegaVerification.FULL);
            long before = server.bytesServed();
            assertArrayEquals(slice(data, 3_000_000, 4096), reader.read("good", 3_000_000, 4096));
            assertEquals(data.length, server.bytesServed() - before, "the whole file, once (the chunk read is kept)");
            assertEquals(ChunkLedger.State.VERIFIED, reader.state(good.handle()));
            assertTrue(reader.macsSaved());
            before = server.bytesServed();
            assertArrayEquals(slice(data, 8_000_000, 100), reader.read("good", 8_000_000, 100));
            assertTrue(server.bytesServed() - before <= Chunks.MAX_CHUNK, "afterwards: one chunk");

            assertThrows(IntegrityException.class, () -> reader.read("bad", 0, 4096), "nothing of a bad file is returned");
            assertEquals(ChunkLedger.State.FAILED, reader.state(bad.handle()));
        }

        @Test
        @DisplayName("concurrent reads of one chunk share one fetch")
        void concurrentReadsShareAFetch() throws Exception {
            byte[] data = random(6 * 1024 * 1024, 6);
            put("f", data);
            Reader reader = new Reader("r", MegaVerification.CHUNKS);
            server.setDownloadDelayMillis(300);
            int requests = server.downloadRequests();
            long chunk8 = Chunks.start(8); // 4.5 MiB: 512 KiB into block 1
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
            try {
                var a = pool.submit(() -> reader.read("f", chunk8, 1000));
                var b = pool.submit(() -> reader.read("f", chunk8 + Remote.SEGMENT_SIZE, 1000));
                assertArrayEquals(slice(data, chunk8, 1000), a.get());
                assertArrayEquals(slice(data, chunk8 + Remote.SEGMENT_SIZE, 1000), b.get());
            } finally {
                pool.shutdownNow();
            }
            assertEquals(1, server.downloadRequests() - requests);
        }
    }

}
