package dev.coffre.remote.vault;

import dev.coffre.remote.NodeType;
import dev.coffre.vfs.Attributes;
import dev.coffre.vfs.TestVault;
import dev.coffre.vfs.Vfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Reads a vault written by coffre 0.1.0 through a real mount (src/test/resources/vault-v1) and kept byte
 * for byte. If this test fails, the format changed: that must be a deliberate new format version with a
 * migration, never a side effect.
 */
class FrozenVaultTest {
    @TempDir
    Path dir;

    @Test
    void readsTheFrozenV1Vault() throws Exception {
        Path folder = dir.resolve("vault");
        copyTree(Path.of("src/test/resources/vault-v1"), folder);
        try (TestVault vault = TestVault.open(folder, dir.resolve("staging"),
                "frozen-vault-password".getBytes(StandardCharsets.UTF_8))) {
            Vfs vfs = vault.vfs();
            assertEquals("hello, coffre\n", new String(vault.readFile("/hello.txt"), StandardCharsets.UTF_8));
            Attributes hello = vfs.getattr("/hello.txt");
            assertEquals(1_577_934_245_123_456_789L, hello.mtime());
            assertEquals(0644, hello.mode());
            assertEquals(2, hello.nlink());
            assertEquals(hello.ino(), vfs.getattr("/docs/hard").ino());
            assertArrayEquals("blue".getBytes(StandardCharsets.UTF_8), vfs.getxattr("/hello.txt", "user.color"));
            assertEquals("../hello.txt", vfs.readlink("/docs/link"));
            assertEquals(NodeType.SYMLINK, vfs.getattr("/docs/link").type());

            byte[] pattern = new byte[300_000];
            for (int i = 0; i < pattern.length; i++) {
                pattern[i] = (byte) ((i * 31) % 251);
            }
            assertArrayEquals(pattern, vault.readFile("/docs/pattern.bin"));

            byte[] sparse = new byte[5 * 1024 * 1024];
            sparse[4 * 1024 * 1024 + 10] = 'x';
            assertArrayEquals(sparse, vault.readFile("/sparse.bin"));
        }
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (var paths = Files.walk(from)) {
            for (Path source : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        }
    }
}
