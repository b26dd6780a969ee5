package dev.coffre.vfs;

import dev.coffre.remote.BlockRef;
import dev.coffre.remote.InodeRecord;
import dev.coffre.remote.MetaOp;
import dev.coffre.remote.NodeType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the kernel must forget for a list of other clients' operations. */
class ChangesElsewhereTest {
    private static InodeRecord file(long ino) {
        return new InodeRecord(ino, NodeType.FILE, 0100644, 0, 0, 0, 3, 1, 1, 1, null,
                List.of(new BlockRef("b" + ino, 3)), Map.of());
    }

    @Test
    void inodeAndForgetOpsTouchTheirInodes() {
        ChangesElsewhere changes = ChangesElsewhere.of(List.of(MetaOp.inode(file(5)), MetaOp.forget(6)));
        assertEquals(Set.of(5L, 6L), changes.inodes());
        assertEquals(Set.of(), changes.names());
        assertFalse(changes.isEmpty());
    }

    @Test
    void linkAndUnlinkTouchTheNameAndItsDirectory() {
        ChangesElsewhere changes = ChangesElsewhere.of(List.of(MetaOp.link(7, "new", 9), MetaOp.unlink(8, "gone")));
        assertEquals(Set.of(new ChangesElsewhere.Name(7, "new"), new ChangesElsewhere.Name(8, "gone")),
                changes.names());
        // The directories' attributes (mtime, size, nlink) changed; the linked inode itself has an inode op of its
        // own when it changed.
        assertEquals(Set.of(7L, 8L), changes.inodes());
    }

    @Test
    void trashAndPurgeTouchNothing() {
        List<BlockRef> blocks = List.of(new BlockRef("old", 10));
        ChangesElsewhere changes = ChangesElsewhere.of(List.of(MetaOp.trash(blocks, 123), MetaOp.purge(blocks)));
        assertTrue(changes.isEmpty());
        assertTrue(ChangesElsewhere.of(List.of()).isEmpty());
    }

    @Test
    void aMixedRecordCollectsEachTouchOnce() {
        ChangesElsewhere changes = ChangesElsewhere.of(List.of(
                MetaOp.inode(file(9)), MetaOp.link(1, "f", 9), MetaOp.inode(file(9)), MetaOp.link(1, "f", 9),
                MetaOp.trash(List.of(new BlockRef("old", 1)), 5)));
        assertEquals(Set.of(1L, 9L), changes.inodes());
        assertEquals(Set.of(new ChangesElsewhere.Name(1, "f")), changes.names());
    }
}
