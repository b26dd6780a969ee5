package dev.coffre.remote.mega;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The MEGA commands of the built jar ({@code coffre login / ls / logout / get / mount}), each run as its own
 * process, against {@link FakeMegaServer}. What comes from where: login v1 with an RSA session whose sid
 * embeds the user handle, {@code -15} on an expired session, {@code f}, {@code g} with {@code n}, ranged
 * downloads answered 200 and {@code sml} are the fake server's implementation of mega-protocol.md §2, §3,
 * §4 and §6.1; public links ({@code l}, then {@code g} with {@code p} and no session id) are the fake server's
 * too, written from §4.1 and §6.1 (mega-mock 0.4.2 has them as well, as {@code shareFile}/{@code getFileInfo},
 * but tampering with stored content is easier here). The files are uploaded by our own client library, whose
 * uploads megajs verifies in {@link MegaMockIT}.
 */
class MegaCliIT {
    @TempDir
    Path home;
    @TempDir
    Path work;

    private FakeMegaServer server;
    private MegaClient uploader;

    record Run(int exit, String out, String err) {
        String describe() {
            return "exit " + exit + "\nstdout: " + out + "\nstderr: " + err;
        }
    }

    @BeforeEach
    void start() throws Exception {
        server = new FakeMegaServer(FakeMegaAccount.v1(null, FakeMegaAccount.SessionStyle.RSA));
        uploader = MegaClient.login(server.config(), server.credentials(null));
    }

    @AfterEach
    void stop() {
        uploader.close();
        server.close();
    }

    private Run coffre(Map<String, String> extraEnv, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", Path.of(System.getProperty("coffre.jar", "target/coffre.jar")).toAbsolutePath().toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile());
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("MEGA_") || k.startsWith("XDG_") || k.startsWith("COFFRE_"));
        env.put("HOME", home.toString());
        env.put("MEGA_API_URL", server.url());
        env.put("COFFRE_NO_WARM_UP", "true"); // ~2 s a mount; MegaMockMountIT mounts with the warm-up
        env.putAll(extraEnv);
        Path out = Files.createTempFile(home, "out", ".txt");
        Path err = Files.createTempFile(home, "err", ".txt");
        builder.redirectInput(new File("/dev/null")).redirectOutput(out.toFile()).redirectError(err.toFile());
        Process process = builder.start();
        assertTrue(process.waitFor(2, TimeUnit.MINUTES), "coffre " + String.join(" ", args) + " timed out");
        return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    private Run coffre(String... args) throws Exception {
        return coffre(Map.of(), args);
    }

    private static Map<String, String> credentials() {
        return Map.of("MEGA_EMAIL", FakeMegaAccount.V1_EMAIL, "MEGA_PASSWORD", FakeMegaAccount.PASSWORD);
    }

    private MegaNode upload(String name, byte[] content) throws Exception {
        String root = uploader.fetchTree().root().handle();
        return uploader.upload(root, name, ContentSource.of(content), 1_700_000_000L);
    }

    private String link(MegaNode node) {
        return "https://mega.nz/file/" + server.publish(node.handle()) + "#" + Base64Url.encode(node.key());
    }

    private List<Path> sessionFiles() throws Exception {
        Path dir = home.resolve(".local/state/coffre/mega");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        }
    }

    @Test
    void loginSavesAnOwnerOnlySessionThatLaterCommandsUseWithoutThePassword() throws Exception {
        upload("report.txt", "hello".getBytes(StandardCharsets.UTF_8));

        Run login = coffre(credentials(), "login", "mega:");
        assertEquals(0, login.exit(), login.describe());
        List<Path> files = sessionFiles();
        assertEquals(1, files.size(), "one session file: " + files);
        Path session = files.get(0);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(session)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(session.getParent())));
        String saved = Files.readString(session);
        assertFalse(saved.contains(FakeMegaAccount.PASSWORD + "\""), "the password is not saved");
        assertTrue(saved.contains("\"sid\""), saved.length() + " bytes");
        assertFalse(login.err().contains(uploader.session().sid()));

        Run ls = coffre("ls", "mega:"); // no MEGA_EMAIL, no MEGA_PASSWORD, no terminal: only the saved session
        assertEquals(0, ls.exit(), ls.describe());
        assertTrue(ls.out().contains("/report.txt") && ls.out().contains(" 5 "), ls.describe());

        Run logout = coffre("logout", "mega:");
        assertEquals(0, logout.exit(), logout.describe());
        assertTrue(sessionFiles().isEmpty());
        assertTrue(logout.err().contains("session ended on MEGA"), logout.describe());
        assertTrue(server.requestLog().stream().anyMatch(line -> line.startsWith("[sml]")), "sml was sent");

        Run after = coffre("ls", "mega:");
        assertEquals(2, after.exit(), after.describe());
        assertTrue(after.err().contains("not logged in to MEGA"), after.describe());
    }

    @Test
    void anExpiredSessionLogsInAgainWithAPasswordAndSaysSoWithout() throws Exception {
        upload("a.bin", new byte[] {1, 2, 3});
        assertEquals(0, coffre(credentials(), "login", "mega:").exit());
        String before = Files.readString(sessionFiles().get(0));
        server.expireSessions(false); // -15 for every session issued so far (§1.4)

        Run without = coffre("ls", "mega:");
        assertEquals(7, without.exit(), without.describe());
        assertTrue(without.err().contains("expired") && without.err().contains("coffre login mega:"), without.describe());

        Run with = coffre(Map.of("MEGA_PASSWORD", FakeMegaAccount.PASSWORD), "ls", "mega:"); // e-mail from the session file
        assertEquals(0, with.exit(), with.describe());
        assertTrue(with.out().contains("/a.bin"), with.describe());
        assertFalse(before.equals(Files.readString(sessionFiles().get(0))), "the new session was saved");
        assertEquals(0, coffre("ls", "mega:").exit(), "and works without the password again");
    }

    @Test
    void wrongPasswordExits3AndSavesNothing() throws Exception {
        Run login = coffre(Map.of("MEGA_EMAIL", FakeMegaAccount.V1_EMAIL, "MEGA_PASSWORD", "wrong"), "login", "mega:");
        assertEquals(3, login.exit(), login.describe());
        assertTrue(sessionFiles().isEmpty());
        Run none = coffre("login", "mega:");
        assertEquals(2, none.exit(), none.describe());
        assertTrue(none.err().contains("MEGA_EMAIL"), none.describe());
    }

    @Test
    void getWritesTheVerifiedBytesForSizesOnAndOffChunkBoundaries() throws Exception {
        int[] sizes = {0, 1, 16, 131071, 131072, 131073, 384 * 1024, 1024 * 1024 + 17};
        for (int size : sizes) {
            byte[] content = TestBytes.tb(size, size % 251, 7);
            MegaNode node = upload("file-" + size + ".bin", content);
            Run get = coffre("get", link(node));
            assertEquals(0, get.exit(), size + " bytes: " + get.describe());
            Path written = work.resolve("file-" + size + ".bin");
            assertArrayEquals(content, Files.readAllBytes(written), size + " bytes");
            assertEquals(1_700_000_000_000L, Files.getLastModifiedTime(written).toMillis(), "mtime from the fingerprint");
            assertTrue(get.err().contains("100%"), "progress lines: " + get.err());
        }
        try (Stream<Path> left = Files.list(work)) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().endsWith(".coffre-part")), "no temporary files left");
        }
    }

    @Test
    void getTakesTheLegacyLinkAnOutputPathAndRefusesToOverwrite() throws Exception {
        byte[] content = TestBytes.tb(200_000);
        MegaNode node = upload("photo.jpg", content);
        String legacy = "https://mega.nz/#!" + server.publish(node.handle()) + "!" + Base64Url.encode(node.key());
        Run get = coffre("get", legacy, "copy.jpg");
        assertEquals(0, get.exit(), get.describe());
        assertArrayEquals(content, Files.readAllBytes(work.resolve("copy.jpg")));

        Files.writeString(work.resolve("copy.jpg"), "mine");
        Run again = coffre("get", link(node), "copy.jpg");
        assertEquals(2, again.exit(), again.describe());
        assertEquals("mine", Files.readString(work.resolve("copy.jpg")), "left alone without --force");
        assertEquals(0, coffre("get", "--force", link(node), "copy.jpg").exit());
        assertArrayEquals(content, Files.readAllBytes(work.resolve("copy.jpg")));

        Files.createDirectory(work.resolve("into"));
        assertEquals(0, coffre("get", link(node), "into").exit());
        assertArrayEquals(content, Files.readAllBytes(work.resolve("into/photo.jpg")));
    }

    @Test
    void aTamperedFileExits6AndLeavesNothing() throws Exception {
        byte[] content = TestBytes.tb(300_000);
        MegaNode node = upload("secret.pdf", content);
        server.storedContent(node.handle())[123_456] ^= 1; // the server flips one ciphertext bit
        Run get = coffre("get", link(node));
        assertEquals(6, get.exit(), get.describe());
        assertTrue(get.err().contains("integrity failure"), get.describe());
        try (Stream<Path> left = Files.list(work)) {
            assertEquals(List.of(), left.toList(), "nothing written, no temporary file left");
        }
    }

    @Test
    void badLinksExit2AndUnknownOnesExit7() throws Exception {
        for (String bad : new String[] {"https://mega.nz/#!axYS1TLL", "https://mega.nz/#!axYS1TLL!", "https://example.com/file/x",
                "https://mega.nz/file/AAAAAAAE#short", "not a link"}) {
            Run get = coffre("get", bad);
            assertEquals(2, get.exit(), bad + ": " + get.describe());
        }
        MegaNode node = upload("x", new byte[] {1});
        Run unknown = coffre("get", "https://mega.nz/file/ZZZZZZZZ#" + Base64Url.encode(node.key()));
        assertEquals(7, unknown.exit(), unknown.describe());
        Run folder = coffre("get", "https://mega.nz/folder/PIZlnRaY#KIOsd4bKgGQmB3gOH2VeGA");
        assertEquals(2, folder.exit(), folder.describe());
        try (Stream<Path> left = Files.list(work)) {
            assertEquals(List.of(), left.toList());
        }
    }

    private void unmountQuietly(Path dir) throws Exception {
        Run unmount = coffre("unmount", dir.toString());
        if (unmount.exit() != 0) {
            new ProcessBuilder("fusermount", "-uz", dir.toString()).start().waitFor();
        }
    }

    private static String failure(java.util.concurrent.Callable<?> action) {
        try {
            action.call();
            return "no failure";
        } catch (Exception e) {
            return String.valueOf(e.getMessage());
        }
    }

    /** {@code mega:/FOLDER}: only that folder shows, and what is written lands inside it on MEGA. */
    @Test
    void mountsAFolderOfTheCloudDrive() throws Exception {
        MegaNode projects = uploader.mkdir(uploader.fetchTree().root().handle(), "projects");
        uploader.upload(projects.handle(), "plan.txt", ContentSource.of("the plan".getBytes(StandardCharsets.UTF_8)), 1_700_000_000L);
        upload("outside.txt", "not in the folder".getBytes(StandardCharsets.UTF_8));
        Path dir = Files.createDirectory(work.resolve("drive"));
        Run mount = coffre(credentials(), "mount", "--write-back", "0", "mega:/projects", dir.toString());
        assertEquals(0, mount.exit(), mount.describe());
        try {
            assertTrue(mount.out().contains("mounted mega:/projects on"), mount.describe());
            assertEquals(Map.of("plan.txt", 8L), listing(dir));
            Files.createDirectories(dir.resolve("new/deeper"));
            Files.write(dir.resolve("new/deeper/w"), random(131073, 5));
            Run sync = coffre("sync", dir.toString());
            assertEquals(0, sync.exit(), sync.describe());
        } finally {
            unmountQuietly(dir);
        }
        MegaTree tree = uploader.fetchTree();
        assertArrayEquals(random(131073, 5), downloadVerified(tree, "projects/new/deeper/w"));
        assertEquals(null, tree.resolve("new"), "nothing at the top of the drive");
    }

    @Test
    void aMissingFolderOrAFileExits2LikeLs() throws Exception {
        upload("file.txt", "x".getBytes(StandardCharsets.UTF_8));
        Path dir = Files.createDirectory(work.resolve("drive"));
        Run missing = coffre(credentials(), "mount", "mega:/nowhere", dir.toString());
        assertEquals(2, missing.exit(), missing.describe());
        assertTrue(missing.err().contains("no folder /nowhere in the Cloud Drive"), missing.describe());
        Run file = coffre(credentials(), "mount", "mega:/file.txt", dir.toString());
        assertEquals(2, file.exit(), file.describe());
        assertTrue(file.err().contains("/file.txt is a file, not a folder"), file.describe());
        Run fileLink = coffre("mount", "https://mega.nz/file/AAAAAAAE#AAAAAAAAAACldyOdMzqeRgAAAAAAAAAApXcjnTM6nkY",
                dir.toString());
        assertEquals(2, fileLink.exit(), fileLink.describe());
        assertTrue(fileLink.err().contains("coffre get"), fileLink.describe());
        for (Run run : List.of(missing, file, fileLink)) {
            assertFalse(run.err().contains("Exception"), run.describe());
        }
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(), left.toList(), "nothing mounted");
        }
    }

    /**
     * A public folder link mounts read-only without an account: listing, MAC-verified reads, every change
     * refused with EROFS; its key never shows in messages, status or the background process's arguments.
     */
    @Test
    void mountsAFolderLinkReadOnly() throws Exception {
        MegaNode shared = uploader.mkdir(uploader.fetchTree().root().handle(), "shared");
        MegaNode sub = uploader.mkdir(shared.handle(), "sub");
        byte[] big = random(4 * 1024 * 1024 + 9, 6);
        uploader.upload(sub.handle(), "big.bin", ContentSource.of(big), 1_700_000_000L);
        uploader.upload(shared.handle(), "a.txt", ContentSource.of("a".getBytes(StandardCharsets.UTF_8)), 1_700_000_000L);
        FakeMegaServer.FolderLink link = server.publishFolder(shared.handle());
        String key = Base64Url.encode(link.key());
        Path dir = Files.createDirectory(work.resolve("drive"));
        Run mount = coffre("mount", link.url(), dir.toString()); // no credentials, no session
        assertEquals(0, mount.exit(), mount.describe());
        try {
            assertFalse(mount.out().contains(key) || mount.err().contains(key), mount.describe());
            assertEquals(Map.of("a.txt", 1L, "sub", -1L, "sub/big.bin", (long) big.length), listing(dir));
            assertArrayEquals(big, Files.readAllBytes(dir.resolve("sub/big.bin")));
            assertTrue(failure(() -> Files.write(dir.resolve("new.txt"), new byte[1])).contains("Read-only file system"));
            assertTrue(failure(() -> Files.write(dir.resolve("a.txt"), new byte[1])).contains("Read-only file system"));
            assertTrue(failure(() -> Files.createDirectory(dir.resolve("d"))).contains("Read-only file system"));
            assertTrue(failure(() -> {
                Files.delete(dir.resolve("a.txt"));
                return null;
            }).contains("Read-only file system"));
            Run status = coffre("status", dir.toString());
            assertEquals(0, status.exit(), status.describe());
            assertTrue(status.out().contains("https://mega.nz/folder/" + link.handle()), status.describe());
            assertFalse(status.out().contains(key), status.describe());
            for (ProcessHandle process : ProcessHandle.allProcesses().toList()) {
                String line = process.info().commandLine().orElse("");
                if (line.contains("--daemon-child") && line.contains(dir.toString())) {
                    assertFalse(line.contains(key), "the key is not in the mount process's arguments");
                }
            }
        } finally {
            unmountQuietly(dir);
        }
        Run subfolder = coffre("mount", link.url() + "/folder/" + sub.handle(), dir.toString());
        assertEquals(0, subfolder.exit(), subfolder.describe());
        try {
            assertEquals(Map.of("big.bin", (long) big.length), listing(dir));
        } finally {
            unmountQuietly(dir);
        }
    }

    @Test
    void aFolderLinkWithAWrongKeyExits6AndAnUnknownOneExits7() throws Exception {
        MegaNode shared = uploader.mkdir(uploader.fetchTree().root().handle(), "shared");
        FakeMegaServer.FolderLink link = server.publishFolder(shared.handle());
        byte[] wrong = link.key().clone();
        wrong[3] ^= 0x40;
        Path dir = Files.createDirectory(work.resolve("drive"));
        Run wrongKey = coffre("mount", "https://mega.nz/folder/" + link.handle() + "#" + Base64Url.encode(wrong), dir.toString());
        assertEquals(6, wrongKey.exit(), wrongKey.describe());
        assertTrue(wrongKey.err().contains("does not decrypt the linked folder (a wrong key"), wrongKey.describe());
        Run unknown = coffre("mount", "https://mega.nz/#F!AAAAAAAA!" + Base64Url.encode(link.key()), dir.toString());
        assertEquals(7, unknown.exit(), unknown.describe());
        assertTrue(unknown.err().contains("MEGA does not know the folder link"), unknown.describe());
        Run badLink = coffre("mount", "https://mega.nz/folder/AAAAAAAA#short", dir.toString());
        assertEquals(2, badLink.exit(), badLink.describe());
    }

    /** {@code --metrics} serves the same endpoint on a MEGA mount as on a vault mount. */
    @Test
    void aMegaMountServesMetrics() throws Exception {
        upload("m.bin", random(200_000, 7));
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        Path dir = Files.createDirectory(work.resolve("drive"));
        Run mount = coffre(credentials(), "mount", "--metrics", "127.0.0.1:" + port, "mega:", dir.toString());
        assertEquals(0, mount.exit(), mount.describe());
        try {
            assertArrayEquals(random(200_000, 7), Files.readAllBytes(dir.resolve("m.bin")));
            java.net.http.HttpResponse<String> response = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/metrics"))
                            .timeout(java.time.Duration.ofSeconds(30)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), response.body());
            java.util.regex.Matcher read = java.util.regex.Pattern.compile("(?m)^coffre_read_bytes_total (\\S+)$")
                    .matcher(response.body());
            assertTrue(read.find(), response.body());
            assertTrue(Double.parseDouble(read.group(1)) >= 200_000, read.group());
            assertTrue(response.body().contains("coffre_fuse_operation_duration_seconds_count{operation=\"read\"}"),
                    response.body());
            assertTrue(response.body().contains("coffre_uptime_seconds"), response.body());
            Run status = coffre("status", dir.toString());
            assertTrue(status.out().contains("http://127.0.0.1:" + port + "/metrics"), status.describe());
        } finally {
            unmountQuietly(dir);
        }
    }

    @Test
    void initRefusesMega() throws Exception {
        Run init = coffre("init", "mega:");
        assertEquals(2, init.exit(), init.describe());
        assertTrue(init.err().contains("MEGA account"), init.describe());
    }

    private static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new java.util.Random(seed).nextBytes(data);
        return data;
    }

    private static Map<String, Long> listing(Path root) throws Exception {
        Map<String, Long> out = new java.util.TreeMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                if (!p.equals(root)) {
                    out.put(root.relativize(p).toString(), Files.isDirectory(p) ? -1 : Files.size(p));
                }
            }
        }
        return out;
    }

    private byte[] downloadVerified(MegaTree tree, String path) throws Exception {
        MegaNode node = tree.resolve(path);
        assertTrue(node != null, path + " is on MEGA");
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        uploader.readWhole(node, out); // throws on a MAC mismatch
        return out.toByteArray();
    }

    private static void waitFor(java.util.concurrent.Callable<Boolean> condition, String what) throws Exception {
        long deadline = System.currentTimeMillis() + 20_000;
        while (!condition.call()) {
            assertTrue(System.currentTimeMillis() < deadline, "timed out waiting until " + what);
            Thread.sleep(100);
        }
    }

    /**
     * The FUSE mount of the Cloud Drive: reads of a file another client uploaded (verified), folders, writes
     * around the chunk boundaries read back and then downloaded MAC-verified by another client, rename, move,
     * delete to the Rubbish Bin, a change of another client appearing through action packets, what MEGA
     * cannot store refused with EPERM, and the same tree after a remount.
     */
    @Test
    void mountsTheCloudDrive() throws Exception {
        byte[] theirs = random(300_000, 1);
        upload("from-other.bin", theirs);
        Path dir = Files.createDirectory(work.resolve("drive"));
        String[] mountArgs = {"mount", "--write-back", "0", "--poll-interval", "300ms", "mega:", dir.toString()};
        Run mount = coffre(credentials(), mountArgs);
        assertEquals(0, mount.exit(), mount.describe());
        try {
            assertArrayEquals(theirs, Files.readAllBytes(dir.resolve("from-other.bin")));
            Files.createDirectories(dir.resolve("docs/deep"));
            int[] sizes = {0, 1, 131071, 131072, 131073, 1048576, 4 * 1024 * 1024 + 5};
            for (int size : sizes) {
                Files.write(dir.resolve("docs/f" + size), random(size, size));
            }
            for (int size : sizes) {
                assertArrayEquals(random(size, size), Files.readAllBytes(dir.resolve("docs/f" + size)), "size " + size);
            }
            Run uploaded = coffre("sync", dir.toString()); // on MEGA now: the delete below goes to the Rubbish Bin
            assertEquals(0, uploaded.exit(), uploaded.describe());
            Files.move(dir.resolve("docs/f1"), dir.resolve("docs/deep/one"));
            Files.move(dir.resolve("docs/f0"), dir.resolve("docs/empty"));
            Files.delete(dir.resolve("docs/f131072"));
            String problem = "";
            try {
                Files.setPosixFilePermissions(dir.resolve("docs/empty"), PosixFilePermissions.fromString("rwx------"));
            } catch (java.io.IOException e) {
                problem = String.valueOf(e.getMessage());
            }
            assertTrue(problem.contains("Operation not permitted"), "chmod: " + problem);
            java.io.IOException symlink = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                    () -> Files.createSymbolicLink(dir.resolve("link"), Path.of("docs")));
            assertTrue(String.valueOf(symlink.getMessage()).contains("Operation not permitted"), symlink.toString());
            java.io.IOException hardLink = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                    () -> Files.createLink(dir.resolve("hard"), dir.resolve("docs/empty")));
            assertTrue(String.valueOf(hardLink.getMessage()).contains("Operation not permitted"), hardLink.toString());

            byte[] later = random(200_000, 2);
            upload("later.bin", later);
            waitFor(() -> Files.exists(dir.resolve("later.bin")), "another client's upload appears");
            assertArrayEquals(later, Files.readAllBytes(dir.resolve("later.bin")));

            Run sync = coffre("sync", dir.toString());
            Map<String, Long> before = listing(dir);
            Run unmount = coffre("unmount", dir.toString());
            assertEquals(0, unmount.exit(), unmount.describe() + "\nsync: " + sync.describe());

            MegaTree tree = uploader.fetchTree();
            for (int size : sizes) {
                String path = size == 0 ? "docs/empty" : size == 1 ? "docs/deep/one" : "docs/f" + size;
                if (size != 131072) {
                    assertArrayEquals(random(size, size), downloadVerified(tree, path), path);
                }
            }
            assertEquals(null, tree.resolve("docs/f131072"));
            assertEquals(1, tree.children(tree.rubbish().handle()).size(), "deleted: in the Rubbish Bin");

            mount = coffre(credentials(), mountArgs);
            assertEquals(0, mount.exit(), mount.describe());
            assertEquals(before, listing(dir));
            assertArrayEquals(random(131073, 131073), Files.readAllBytes(dir.resolve("docs/f131073")));
            assertTrue(Files.getFileStore(dir).getTotalSpace() > 0, "statfs from uq");
        } finally {
            Run unmount = coffre("unmount", dir.toString());
            if (unmount.exit() != 0) {
                new ProcessBuilder("fusermount", "-uz", dir.toString()).start().waitFor();
            }
        }
    }
}
