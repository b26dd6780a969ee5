package dev.coffre.store;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LocalObjectStoreTest extends ObjectStoreContract {
    @TempDir
    Path dir;
    LocalObjectStore local;

    @BeforeEach
    void setUp() throws Exception {
        local = new LocalObjectStore(dir.resolve("store"));
        local.prepare();
        inTest = local;
    }

    @Test
    void writesLeaveNoTemporaryFilesAndPrepareClearsStaleOnes() throws Exception {
        inTest.put("x", new byte[100]);
        inTest.putIfAbsent("y", new byte[100]);
        inTest.putIfAbsent("y", new byte[100]);
        Path temp = dir.resolve("store/.tmp");
        try (var files = Files.list(temp)) {
            assertEquals(0, files.count());
        }
        Files.write(temp.resolve("stale"), new byte[1]);
        local.prepare();
        try (var files = Files.list(temp)) {
            assertEquals(0, files.count());
        }
        assertFalse(inTest.list("").contains(".tmp/stale"));
    }

    @Test
    void keysCannotEscapeTheFolder() {
        assertThrows(IllegalArgumentException.class, () -> inTest.get("../etc/passwd"));
        assertThrows(IllegalArgumentException.class, () -> inTest.put("/abs", new byte[0]));
    }
}
