package dev.coffre.vfs;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two clients of one vault in-process: the one that takes in the other's change tells its listener. */
class VfsChangesElsewhereTest {
    @TempDir
    Path dir;
    TestVault ours;
    TestVault theirs;
    final List<ChangesElsewhere> told = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        ours = TestVault.create(dir);
        ours.vfs().onChangesElsewhere(told::add); // before the other client exists: no poll can come first
        theirs = TestVault.open(ours.folder, dir.resolve("staging-theirs"), TestVault.PASSWORD);
    }

    @AfterEach
    void tearDown() {
        theirs.close();
        ours.close();
    }

    private boolean toldOf(long ino) {
        return told.stream().anyMatch(changes -> changes.inodes().contains(ino));
    }

    private boolean toldOf(String name) {
        return told.stream().anyMatch(changes -> changes.names().contains(new ChangesElsewhere.Name(1, name)));
    }

    @Test
    void anotherClientsCommittedChangeReachesTheListenerButOursDoesNot() throws Exception {
        byte[] content = "from the other client".getBytes(StandardCharsets.UTF_8);
        theirs.writeFile("/theirs.txt", content);
        theirs.sync();
        long theirIno = theirs.vfs().getattr("/theirs.txt").ino();

        // Our commit has to take their record in first (or a poll did already); either way before sync returns.
        ours.writeFile("/ours.txt", new byte[1]);
        ours.sync();

        assertTrue(toldOf("theirs.txt"), "their name: " + told);
        assertTrue(toldOf(theirIno), "their inode: " + told);
        assertTrue(toldOf(1L), "the root, whose entries changed: " + told);
        assertFalse(toldOf("ours.txt"), "our own change is not news to our kernel: " + told);
        assertArrayEquals(content, ours.readFile("/theirs.txt"));
    }
}
