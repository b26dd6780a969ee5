package dev.coffre.io;

import dev.coffre.remote.BlockRef;
import dev.coffre.remote.InodeRecord;
import dev.coffre.remote.MetaOp;
import dev.coffre.remote.NodeType;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CoalescerTest {
    private static InodeRecord file(long ino, int mode, long size, List<BlockRef> blocks) {
        return new InodeRecord(ino, NodeType.FILE, mode, 0, 0, 0, size, 1, 1, 1, null, blocks, null);
    }

    @Test
    void lastStateOfAnInodeTakesThePlaceOfTheFirst() {
        List<BlockRef> content = List.of(new BlockRef("staged:a", 10));
        List<MetaOp> ops = List.of(
                MetaOp.inode(file(5, 0600, 0, List.of())),
                MetaOp.link(1, ".tmp", 5),
                MetaOp.inode(file(5, 0600, 10, content)),
                MetaOp.inode(file(5, 0644, 10, content)),
                MetaOp.unlink(1, ".tmp"),
                MetaOp.link(1, "final", 5));
        assertEquals(List.of(
                MetaOp.inode(file(5, 0644, 10, content)),
                MetaOp.link(1, ".tmp", 5),
                MetaOp.unlink(1, ".tmp"),
                MetaOp.link(1, "final", 5)), Coalescer.coalesce(ops));
    }

    @Test
    void anInodeForgottenInTheSameBatchKeepsNoContent() {
        List<MetaOp> ops = List.of(
                MetaOp.inode(file(7, 0644, 10, List.of(new BlockRef("staged:b", 10)))),
                MetaOp.link(1, "scratch", 7),
                MetaOp.unlink(1, "scratch"),
                MetaOp.forget(7));
        assertEquals(List.of(
                MetaOp.inode(file(7, 0644, 0, List.of())),
                MetaOp.link(1, "scratch", 7),
                MetaOp.unlink(1, "scratch"),
                MetaOp.forget(7)), Coalescer.coalesce(ops));
    }
}
