package dev.coffre.remote.mega;

import dev.coffre.remote.IntegrityException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Java client against mega-mock, a MEGA API server written by others (npm), on 127.0.0.1: log in to
 * its preloaded account, list, create folders, upload, read back whole (MAC verified), by chunk (verified
 * against the chunk MACs) and by range, rename, delete. mega-mock cannot move, delete folders or send
 * action packets: {@link FakeMegaServerIT} covers those.
 */
class MegaMockIT extends MegaMockFixture {
    private static final long MTIME = 1_700_000_000L;

    @Test
    @DisplayName("logs in to the preloaded account (v1), reads user, quota and the three roots")
    void loginUserQuotaTree() throws Exception {
        assertEquals("jCf2Pc0pLCU", client.session().userHandle());
        assertEquals("jCf2Pc0pLCU", client.user().handle());
        assertEquals(50L * 1024 * 1024 * 1024, client.quota().storageMax());
        MegaTree tree = client.fetchTree();
        assertNotNull(tree.root());
        assertNotNull(tree.inbox());
        assertNotNull(tree.rubbish());
        assertEquals("Cloud Drive", tree.root().name());
    }

    @Test
    @DisplayName("a wrong password is refused with ENOENT and a clear message")
    void wrongPassword() {
        MegaException e = assertThrows(MegaException.class, () -> MegaClient.login(server.config(),
                new MegaCredentials(MegaMockServer.EMAIL, "s3cr3t-pw".toCharArray(), null)));
        assertEquals(-9, e.code());
        assertTrue(e.getMessage().contains("wrong e-mail or password"), e.getMessage());
        assertFalse(e.getMessage().contains("s3cr3t-pw"), "no password in messages");
    }

    @Test
    @DisplayName("the SDK's session-id check refuses mega-mock's sid, whose bytes 16..26 are not the user handle")
    void strictSidCheckRefusesTheMock() {
        assertThrows(IntegrityException.class,
                () -> MegaClient.login(server.config().withRequireSidHandle(true), server.credentials()));
    }

    @Test
    @DisplayName("creates nested folders; names decrypt after a fresh listing")
    void folders() throws Exception {
        MegaTree tree = client.fetchTree();
        MegaNode docs = client.mkdir(tree.root().handle(), "docs");
        MegaNode sub = client.mkdir(docs.handle(), "sub \u00e9t\u00e9");
        assertEquals("docs", docs.name());
        MegaTree fresh = client.fetchTree();
        assertEquals(MegaNode.Type.FOLDER, fresh.get(sub.handle()).type());
        assertEquals("sub \u00e9t\u00e9", fresh.get(sub.handle()).name());
        assertEquals(sub.handle(), fresh.resolve("docs/sub \u00e9t\u00e9").handle());
    }

    @Test
    @DisplayName("uploads every size around the chunk boundaries, lists them and reads them back verified")
    void uploadAndReadBack() throws Exception {
        int k = 1024;
        int[] sizes = {0, 1, 16, 128 * k - 1, 128 * k, 128 * k + 1, 1024 * k + 17, 3 * 1024 * k, 5 * 1024 * k + 3};
        MegaTree tree = client.fetchTree();
        MegaNode folder = client.mkdir(tree.root().handle(), "sizes");
        for (int size : sizes) {
            byte[] data = random(size, size);
            MegaNode uploaded = client.upload(folder.handle(), "f" + size, ContentSource.of(data), MTIME + size);
            assertEquals(size, uploaded.size(), "size in p's answer");

            MegaNode listed = client.fetchTree().get(uploaded.handle());
            assertEquals("f" + size, listed.name());
            assertEquals(size, listed.size());
            assertEquals(MTIME + size, listed.mtimeSeconds());
            assertEquals(Fingerprint.of(data, MTIME + size), listed.attributes().get("c"));

            ByteArrayOutputStream out = new ByteArrayOutputStream();
            WholeFileRead read = client.readWhole(listed, out);
            assertArrayEquals(data, out.toByteArray(), "content of " + size);
            assertEquals(size == 0 ? FileMac.Verdict.EMPTY_FILE : FileMac.Verdict.VERIFIED, read.verdict(), "size " + size);
            assertEquals(Chunks.count(size), read.chunkMacs().size());

            for (long chunk = 0; chunk < Chunks.count(size); chunk++) {
                byte[] plain = client.readVerifiedChunk(listed, chunk, read.chunkMacs());
                int start = (int) Chunks.start(chunk);
                assertArrayEquals(Arrays.copyOfRange(data, start, start + plain.length), plain);
            }
            if (size > 0) {
                for (long[] range : new long[][]{{0, 1}, {size / 3, Math.min(100_000, size - size / 3)}, {size - 1, 1}}) {
                    byte[] got = client.readUnverified(listed, range[0], (int) range[1]);
                    assertArrayEquals(Arrays.copyOfRange(data, (int) range[0], (int) (range[0] + range[1])), got,
                            "range " + Arrays.toString(range) + " of " + size);
                }
            }
        }
        assertEquals(sizes.length, client.fetchTree().children(folder.handle()).size());
    }

    @Test
    @DisplayName("renames a file and a folder; deletes a file")
    void renameAndDelete() throws Exception {
        MegaTree tree = client.fetchTree();
        MegaNode folder = client.mkdir(tree.root().handle(), "before");
        MegaNode file = client.upload(folder.handle(), "a.txt", ContentSource.of("hello".getBytes()), MTIME);
        client.rename(folder, "after");
        client.rename(file, "b.txt");
        MegaTree renamed = client.fetchTree();
        assertEquals("after", renamed.get(folder.handle()).name());
        assertEquals("b.txt", renamed.get(file.handle()).name());
        assertEquals(MTIME, renamed.get(file.handle()).mtimeSeconds(), "rename keeps the fingerprint");

        client.delete(renamed.get(file.handle()));
        assertNull(client.fetchTree().get(file.handle()));
    }

    @Test
    @DisplayName("content altered on the server fails the MAC: whole-file read and chunk read both throw")
    void tamperedContentIsRefused() throws Exception {
        byte[] data = random(600_000, 7);
        MegaTree tree = client.fetchTree();
        MegaNode file = client.upload(tree.root().handle(), "victim", ContentSource.of(data), MTIME);
        WholeFileRead good = client.readWhole(client.fetchTree().get(file.handle()), new ByteArrayOutputStream());

        Path stored = work.resolve("mega-mock-data").resolve("file_" + file.handle());
        assertTrue(Files.exists(stored), "mega-mock keeps content in file_<handle>");
        try (RandomAccessFile raf = new RandomAccessFile(stored.toFile(), "rw")) {
            raf.seek(400_000); // inside chunk 2 (384 K .. 768 K)
            int b = raf.read();
            raf.seek(400_000);
            raf.write(b ^ 0x01);
        }
        MegaNode listed = client.fetchTree().get(file.handle());
        assertThrows(IntegrityException.class, () -> client.readWhole(listed, new ByteArrayOutputStream()));
        assertThrows(IntegrityException.class, () -> client.readVerifiedChunk(listed, 2, good.chunkMacs()));
        assertArrayEquals(Arrays.copyOfRange(data, 0, 131072), client.readVerifiedChunk(listed, 0, good.chunkMacs()),
                "untouched chunks still verify");
    }

    @Test
    @DisplayName("megajs uploads, Java verifies; Java uploads, megajs verifies (sizes off the chunk boundaries)")
    void interoperatesWithMegajs() throws Exception {
        for (int size : new int[]{1, 100_000, 1024 * 1024 + 17, 3 * 1024 * 1024 + 5}) {
            byte[] data = random(size, 1000 + size);
            MegaNode fromMegajs = megajsUpload(data, "megajs-" + size);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertEquals(FileMac.Verdict.VERIFIED, client.readWhole(fromMegajs, out).verdict(), "megajs upload of " + size);
            assertArrayEquals(data, out.toByteArray());

            MegaNode fromJava = client.upload(client.fetchTree().root().handle(), "java-" + size, ContentSource.of(data), MTIME);
            NodeScripts.Result download = megajsDownload(fromJava.handle(), work.resolve("megajs-got-" + size));
            assertEquals(0, download.exitCode(), "megajs download of " + size + ": " + download.stderr());
            assertArrayEquals(data, Files.readAllBytes(work.resolve("megajs-got-" + size)));
        }
    }

    @Test
    @DisplayName("on a chunk boundary megajs writes its own MAC variant: Java accepts it and says so; megajs refuses the SDK's")
    void megajsBoundaryQuirk() throws Exception {
        // 128 KiB - 1: megajs's last, partial 16-byte block reaches the boundary, which closes a chunk for it
        byte[] nearBoundary = random(128 * 1024 - 1, 43);
        assertEquals(FileMac.Verdict.VERIFIED_MEGAJS_BOUNDARY_VARIANT,
                client.readWhole(megajsUpload(nearBoundary, "megajs-near-boundary"), new ByteArrayOutputStream()).verdict());
        byte[] data = random(128 * 1024, 42);
        MegaNode fromMegajs = megajsUpload(data, "megajs-boundary");
        assertEquals(FileMac.Verdict.VERIFIED_MEGAJS_BOUNDARY_VARIANT,
                client.readWhole(fromMegajs, new ByteArrayOutputStream()).verdict());

        MegaNode fromJava = client.upload(client.fetchTree().root().handle(), "java-boundary", ContentSource.of(data), MTIME);
        NodeScripts.Result download = megajsDownload(fromJava.handle(), work.resolve("megajs-boundary-got"));
        assertEquals(3, download.exitCode(), "megajs 1.3.10 computes boundary MACs differently: " + download.stderr());
        assertTrue(download.stderr().contains("MAC verification failed"), download.stderr());
    }

    private MegaNode megajsUpload(byte[] data, String name) throws Exception {
        Path local = work.resolve(name + ".bin");
        Files.write(local, data);
        NodeScripts.Result result = NodeScripts.run("megajs-client.js", List.of("upload", server.url(),
                MegaMockServer.EMAIL, MegaMockServer.PASSWORD, local.toString(), name), 120);
        assertEquals(0, result.exitCode(), "megajs upload: " + result.stderr());
        String handle = MegaApi.JSON.readTree(result.stdout()).get("handle").asText();
        MegaNode node = client.fetchTree().get(handle);
        assertNotNull(node, "megajs's upload is in the tree");
        assertEquals(name, node.name());
        return node;
    }

    private NodeScripts.Result megajsDownload(String handle, Path out) throws Exception {
        return NodeScripts.run("megajs-client.js", List.of("download", server.url(),
                MegaMockServer.EMAIL, MegaMockServer.PASSWORD, handle, out.toString()), 120);
    }
}
