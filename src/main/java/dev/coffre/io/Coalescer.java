package dev.coffre.io;

import dev.coffre.remote.InodeRecord;
import dev.coffre.remote.MetaOp;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Shrinks a batch of pending operations before it is uploaded and committed. Inode operations state a
 * whole inode, so only the last one per inode matters: it takes the place of the first (where the inode
 * must exist for the entries that follow) and the others go. An inode forgotten later in the same batch
 * keeps no content, so nothing of a file created and deleted within one write-back delay is uploaded.
 * The result leaves the tree exactly as the original batch does. Pure function.
 */
public final class Coalescer {
    private Coalescer() {
    }

    public static List<MetaOp> coalesce(List<MetaOp> ops) {
        InodeFates fates = InodeFates.of(ops);
        Set<Long> emitted = new HashSet<>();
        List<MetaOp> out = new ArrayList<>(ops.size());
        for (MetaOp op : ops) {
            if (!MetaOp.INODE.equals(op.op())) {
                out.add(op);
                continue;
            }
            long ino = op.inode().ino();
            if (emitted.add(ino)) {
                InodeRecord state = fates.last().get(ino);
                out.add(MetaOp.inode(fates.forgotten().contains(ino) ? withoutContent(state) : state));
            }
        }
        return out;
    }

    private static InodeRecord withoutContent(InodeRecord r) {
        return new InodeRecord(r.ino(), r.type(), r.mode(), r.uid(), r.gid(), r.rdev(), 0, r.atime(), r.mtime(),
                r.ctime(), r.target(), r.blocks() == null ? null : List.of(), r.xattrs());
    }
}
