package dev.coffre.remote.vault;

import dev.coffre.remote.IntegrityException;
import dev.coffre.remote.VaultException;
import dev.coffre.store.LocalObjectStore;
import dev.coffre.vfs.TestVault;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The storage is untrusted: every kind of tampering must fail authentication (never come back as data)
 * and must be reported by the checker.
 */
class TamperTest {
    @TempDir
    Path dir;
    Path folder;

    @BeforeEach
    void setUp() throws Exception {
        try (TestVault vault = TestVault.create(dir)) {
            // One journal record each, so that there are records to replay and delete.
            vault.writeFile("/a.txt", "alpha content".repeat(10_000).getBytes(StandardCharsets.UTF_8));
            vault.sync();
            vault.writeFile("/b.txt", "bravo content".repeat(10_000).getBytes(StandardCharsets.UTF_8));
            vault.sync();
            vault.vfs().mkdir("/later", 0755, 0, 0);
            vault.sync();
            folder = vault.folder;
        }
    }

    private List<Path> blockObjects() throws IOException {
        try (Stream<Path> files = Files.walk(folder.resolve("blocks"))) {
            return files.filter(Files::isRegularFile).sorted().toList();
        }
    }

    private TestVault reopen() throws IOException {
        return TestVault.open(folder, dir.resolve("staging2"), TestVault.PASSWORD);
    }

    private void assertReadFails(String path) throws IOException {
        try (TestVault vault = reopen()) {
            assertThrows(IntegrityException.class, () -> vault.readFile(path));
        }
    }

    private VaultChecker.Report check() throws IOException {
        try (VaultRemote remote = VaultRemote.open(new LocalObjectStore(folder), TestVault.PASSWORD)) {
            return VaultChecker.check(remote, VaultChecker.Listener.NONE);
        }
    }

    @Test
    @DisplayName("an untouched vault reads back and checks clean")
    void healthy() throws Exception {
        try (TestVault vault = reopen()) {
            assertEquals(130_000, vault.readFile("/a.txt").length);
        }
        VaultChecker.Report report = check();
        assertTrue(report.healthy(), report.failures().toString());
        assertEquals(2, report.files());
        assertEquals(260_000, report.bytes());
    }

    @Test
    @DisplayName("one flipped byte in a block object is EIO and a check failure naming the file")
    void flippedByte() throws Exception {
        for (Path object : blockObjects()) {
            byte[] bytes = Files.readAllBytes(object);
            bytes[bytes.length / 2] ^= 0x01;
            Files.write(object, bytes);
        }
        assertReadFails("/a.txt");
        VaultChecker.Report report = check();
        assertEquals(2, report.failures().size());
        assertTrue(report.failures().stream().anyMatch(f -> f.startsWith("/a.txt:")), report.failures().toString());
    }

    @Test
    @DisplayName("two block objects swapped are detected")
    void swapped() throws Exception {
        List<Path> objects = blockObjects();
        Path temp = dir.resolve("swap");
        Files.move(objects.get(0), temp);
        Files.move(objects.get(1), objects.get(0));
        Files.move(temp, objects.get(1));
        assertReadFails("/a.txt");
        assertReadFails("/b.txt");
        assertEquals(2, check().failures().size());
    }

    @Test
    @DisplayName("a truncated block object is detected, even cut at a segment boundary")
    void truncated() throws Exception {
        Path object = blockObjects().get(0);
        byte[] bytes = Files.readAllBytes(object);
        Files.write(object, java.util.Arrays.copyOf(bytes, 65536 + 16));
        assertEquals(1, check().failures().size());
    }

    @Test
    @DisplayName("a missing block object is reported")
    void missing() throws Exception {
        Files.delete(blockObjects().get(0));
        assertEquals(1, check().failures().size());
    }

    @Test
    @DisplayName("an old journal record replayed at a newer position is rejected")
    void replayedRecord() throws Exception {
        Path journal = folder.resolve("journal");
        List<Path> records;
        try (Stream<Path> files = Files.list(journal)) {
            records = files.sorted().toList();
        }
        Path last = records.get(records.size() - 1);
        Files.copy(records.get(1), last, StandardCopyOption.REPLACE_EXISTING);
        assertThrows(IntegrityException.class, this::reopen);
        assertFalse(check().healthy());
    }

    @Test
    @DisplayName("a deleted record in the middle of the journal is detected")
    void deletedRecord() throws Exception {
        Files.delete(folder.resolve("journal/0000000000000002"));
        assertThrows(IntegrityException.class, this::reopen);
    }

    @Test
    @DisplayName("a wrong password and an altered header are refused")
    void header() throws Exception {
        assertEquals(VaultException.Reason.WRONG_PASSWORD, assertThrows(VaultException.class,
                () -> TestVault.open(folder, dir.resolve("s"), "wrong".getBytes(StandardCharsets.UTF_8))).reason());
        Path header = folder.resolve(VaultHeader.KEY);
        Files.writeString(header, Files.readString(header).replace("\"memoryKiB\" : 8192", "\"memoryKiB\" : 16384"));
        assertEquals(VaultException.Reason.WRONG_PASSWORD, assertThrows(VaultException.class,
                () -> TestVault.open(folder, dir.resolve("s"), TestVault.PASSWORD)).reason());
        Files.writeString(header, "{ garbage");
        assertEquals(VaultException.Reason.NOT_A_VAULT, assertThrows(VaultException.class,
                () -> TestVault.open(folder, dir.resolve("s"), TestVault.PASSWORD)).reason());
    }
}
