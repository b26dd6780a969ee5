package dev.coffre.remote.mega;

import dev.coffre.cache.SegmentCache;
import dev.coffre.io.PendingLog;
import dev.coffre.io.StagingArea;
import dev.coffre.io.WriteBack;
import dev.coffre.remote.MetaOp;
import dev.coffre.vfs.Vfs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link MegaRemote} with another root than the Cloud Drive, against {@link FakeMegaServer}: a folder of the
 * drive ({@code mega:/FOLDER}), and the folder of a public link (read-only, no account, keys under the
 * folder key, requests with {@code n=}). The tree behind them is built by an account client ({@code owner}).
 */
class MegaFolderRootTest {
    @TempDir
    Path temp;
    private final List<AutoCloseable> open = new ArrayList<>();
    private FakeMegaServer server;
    private MegaClient owner;
    private MegaNode projects;
    private MegaNode inner;

    @BeforeEach
    void start() throws Exception {
        server = new FakeMegaServer(FakeMegaAccount.v1(null, FakeMegaAccount.SessionStyle.RSA));
        open.add(server);
        owner = MegaClient.login(server.config(), server.credentials(null));
        open.add(0, owner);
        String root = owner.fetchTree().root().handle();
        owner.upload(root, "outside.txt", ContentSource.of(bytes("not in the folder")), 1_700_000_000L);
        projects = owner.mkdir(root, "projects");
        inner = owner.mkdir(projects.handle(), "inner");
        owner.upload(projects.handle(), "plan.txt", ContentSource.of(bytes("the plan")), 1_700_000_000L);
        owner.upload(inner.handle(), "big.bin", ContentSource.of(random(131073 * 3, 3)), 1_700_000_000L);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    /** A filesystem core on a remote, as the mount builds it. */
    private final class Core implements AutoCloseable {
        final MegaRemote remote;
        final Vfs vfs;

        Core(MegaClient client, MountRoot root, boolean readOnly) throws IOException {
            Path work = temp.resolve("core" + System.nanoTime());
            remote = new MegaRemote(client, root, readOnly, work.resolve("mega"), false, 1000, 1000);
            StagingArea staging = new StagingArea(work.resolve("blocks"));
            WriteBack writeBack = new WriteBack(remote, staging, new PendingLog(work), 0, 2, 1L << 30, 60_000, 0);
            vfs = new Vfs(remote, new SegmentCache(64L << 20), staging, writeBack, Clock.systemUTC());
            vfs.load();
            open.add(0, this);
        }

        Map<String, Long> listing(String dir, Map<String, Long> out) throws IOException {
            return dev.coffre.vfs.TestVault.listing(vfs, dir, out);
        }

        byte[] read(String path) throws IOException {
            return dev.coffre.vfs.TestVault.readAll(vfs, path);
        }

        @Override
        public void close() {
            vfs.close(true);
        }
    }

    private MegaClient account() throws IOException {
        MegaClient client = MegaClient.login(server.config(), server.credentials(null));
        open.add(0, client);
        return client;
    }

    private MegaClient link(String url) {
        MegaClient client = MegaClient.openFolderLink(server.config(), PublicLink.parse(url));
        open.add(0, client);
        return client;
    }

    private static Map<String, Long> expectedProjects() {
        Map<String, Long> out = new TreeMap<>();
        out.put("/inner", -1L);
        out.put("/inner/big.bin", 131073L * 3);
        out.put("/plan.txt", 8L);
        return out;
    }

    @Nested
    @DisplayName("A folder of the Cloud Drive as the root (mega:/FOLDER)")
    class DriveFolder {
        @Test
        void showsOnlyThatFolderAndWritesLandInsideIt() throws Exception {
            Core core = new Core(account(), MountRoot.folder("/projects"), false);
            assertEquals(expectedProjects(), core.listing("/", new TreeMap<>()));
            assertArrayEquals(bytes("the plan"), core.read("/plan.txt"));

            long fh = core.vfs.create("/new.txt", 0644, 1000, 1000, 1);
            core.vfs.write(fh, 0, bytes("written"), 7);
            core.vfs.release(fh);
            core.vfs.mkdir("/inner/sub", 0755, 1000, 1000);
            core.vfs.syncAll();

            MegaTree tree = owner.fetchTree();
            MegaNode written = tree.resolve("projects/new.txt");
            assertNotNull(written, "the new file is inside the folder");
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            owner.readWhole(written, out);
            assertArrayEquals(bytes("written"), out.toByteArray());
            assertNotNull(tree.resolve("projects/inner/sub"));
            assertEquals(null, tree.resolve("new.txt"), "nothing at the top of the drive");
        }

        @Test
        void aMissingFolderAndAFileAreRefusedWithTheirReason() throws Exception {
            MountRoot.Missing missing = assertThrows(MountRoot.Missing.class,
                    () -> new Core(account(), MountRoot.folder("/nowhere"), false));
            assertEquals("no folder /nowhere", missing.getMessage());
            assertFalse(missing.undecryptable());
            MountRoot.Missing file = assertThrows(MountRoot.Missing.class,
                    () -> new Core(account(), MountRoot.folder("/projects/plan.txt"), false));
            assertTrue(file.getMessage().contains("is a file"), file.getMessage());
        }
    }

    @Nested
    @DisplayName("A public folder link as the root (read-only, no account)")
    class FolderLink {
        @Test
        void listsAndReadsVerifiedContentWithoutASession() throws Exception {
            FakeMegaServer.FolderLink shared = server.publishFolder(projects.handle());
            Core core = new Core(link(shared.url()), MountRoot.top(), true);
            assertEquals(expectedProjects(), core.listing("/", new TreeMap<>()));
            assertArrayEquals(bytes("the plan"), core.read("/plan.txt"));
            assertArrayEquals(random(131073 * 3, 3), core.read("/inner/big.bin"));
            assertTrue(server.requestLog().stream().filter(r -> r.startsWith("[f]") || r.startsWith("[g]"))
                    .anyMatch(r -> r.contains(" false ")), "link requests carry no session id");
        }

        @Test
        void theLegacyFormAndASubfolderLinkMountWhatTheyName() throws Exception {
            FakeMegaServer.FolderLink shared = server.publishFolder(projects.handle());
            String legacy = "https://mega.nz/#F!" + shared.handle() + "!" + FakeMegaAccount.b64(shared.key());
            assertEquals(expectedProjects(), new Core(link(legacy), MountRoot.top(), true).listing("/", new TreeMap<>()));
            Core sub = new Core(link(shared.url() + "/folder/" + inner.handle()), MountRoot.node(inner.handle()), true);
            assertEquals(Map.of("/big.bin", 131073L * 3), sub.listing("/", new TreeMap<>()));
            MountRoot.Missing outside = assertThrows(MountRoot.Missing.class,
                    () -> new Core(link(shared.url()), MountRoot.node(owner.fetchTree().root().handle()), true));
            assertTrue(outside.getMessage().startsWith("no folder"), outside.getMessage());
        }

        @Test
        void refusesEveryChange() throws Exception {
            FakeMegaServer.FolderLink shared = server.publishFolder(projects.handle());
            Core core = new Core(link(shared.url()), MountRoot.top(), true);
            IOException upload = assertThrows(IOException.class, () -> core.remote.upload(1, 0, new byte[1], 0, 1));
            assertTrue(upload.getMessage().contains("read-only"), upload.getMessage());
            assertThrows(IOException.class, () -> core.remote.commit(List.of(MetaOp.unlink(1, "plan.txt"))));
            assertEquals(expectedProjects(), new Core(link(shared.url()), MountRoot.top(), true)
                    .listing("/", new TreeMap<>()), "nothing changed on MEGA");
            assertEquals(-11, MegaApi.errorCode(linkApi(shared).batch(List.of(MegaApi.command("d")
                    .put("n", inner.handle()))).get(0)), "the server refuses too");
        }

        @Test
        void aWrongKeyIsToldApartFromAMissingLink() throws Exception {
            FakeMegaServer.FolderLink shared = server.publishFolder(projects.handle());
            byte[] wrong = shared.key().clone();
            wrong[0] ^= 1;
            String url = "https://mega.nz/folder/" + shared.handle() + "#" + FakeMegaAccount.b64(wrong);
            MountRoot.Missing refused = assertThrows(MountRoot.Missing.class,
                    () -> new Core(link(url), MountRoot.top(), true));
            assertTrue(refused.undecryptable(), refused.getMessage());
            MegaException unknown = assertThrows(MegaException.class, () -> new Core(
                    link("https://mega.nz/folder/AAAAAAAA#" + FakeMegaAccount.b64(shared.key())), MountRoot.top(), true));
            assertEquals(-9, unknown.code());
        }

        @Test
        void theOwnersChangesArriveThroughTheLinksActionPackets() throws Exception {
            FakeMegaServer.FolderLink shared = server.publishFolder(projects.handle());
            Core core = new Core(link(shared.url()), MountRoot.top(), true);
            owner.upload(inner.handle(), "later.txt", ContentSource.of(bytes("later")), 1_700_000_000L);
            owner.upload(owner.fetchTree().root().handle(), "elsewhere.txt", ContentSource.of(bytes("x")), 1_700_000_000L);
            List<List<MetaOp>> changes = core.remote.fetchNew();
            assertEquals(1, changes.size(), "one batch: " + changes);
            assertTrue(changes.get(0).stream().anyMatch(op -> MetaOp.LINK.equals(op.op()) && "later.txt".equals(op.name())),
                    changes.toString());
            assertFalse(changes.get(0).stream().anyMatch(op -> "elsewhere.txt".equals(op.name())), changes.toString());
        }

        private MegaApi linkApi(FakeMegaServer.FolderLink shared) {
            MegaApi api = new MegaApi(MegaClient.httpClient(server.config()), server.url(), server.config().backoff());
            api.setFolderLink(shared.handle());
            return api;
        }
    }
}
