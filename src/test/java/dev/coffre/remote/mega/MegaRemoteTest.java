package dev.coffre.remote.mega;

import dev.coffre.cache.SegmentCache;
import dev.coffre.io.PendingLog;
import dev.coffre.io.StagingArea;
import dev.coffre.io.WriteBack;
import dev.coffre.vfs.FsError;
import dev.coffre.vfs.FsException;
import dev.coffre.vfs.Vfs;
import org.junit.jupiter.api.AfterEach;
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
        final Vfs vfs;

        Mount(String name, boolean hardDelete) throws IOException {
            client = MegaClient.login(server.config(), server.credentials(null));
            Path work = temp.resolve(name);
            MegaRemote remote = new MegaRemote(client, work.resolve("mega"), hardDelete, 1000, 1000);
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
            long fh = vfs.open(path, 0);
            try {
                byte[] out = new byte[Math.toIntExact(vfs.getattr(fh).size())];
                int done = 0;
                while (done < out.length) {
                    byte[] piece = new byte[Math.min(128 * 1024, out.length - done)];
                    int n = vfs.read(fh, done, piece, piece.length);
                    System.arraycopy(piece, 0, out, done, n);
                    done += n;
                }
                return out;
            } finally {
                vfs.release(fh);
            }
        }

        /** path to size ("/" for folders: -1) below {@code dir}. */
        Map<String, Long> listing(String dir, Map<String, Long> out) throws IOException {
            for (Vfs.DirEntry e : vfs.readdir(dir)) {
                if (e.name().equals(".") || e.name().equals("..")) {
                    continue;
                }
                String path = (dir.equals("/") ? "" : dir) + "/" + e.name();
                boolean folder = e.attributes().type() == dev.coffre.remote.NodeType.DIRECTORY;
                out.put(path, folder ? -1 : e.attributes().size());
                if (folder) {
                    listing(path, out);
                }
            }
            return out;
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
}
