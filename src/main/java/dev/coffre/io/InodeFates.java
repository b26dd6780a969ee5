package dev.coffre.io;

import dev.coffre.remote.InodeRecord;
import dev.coffre.remote.MetaOp;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a batch of operations leaves of each inode it touches: its last stated record, and whether it is
 * forgotten after that. Inode operations state a whole inode, so this is all a batch decides about one.
 */
record InodeFates(Map<Long, InodeRecord> last, Set<Long> forgotten) {
    static InodeFates of(List<MetaOp> ops) {
        Map<Long, InodeRecord> last = new HashMap<>();
        Set<Long> forgotten = new HashSet<>();
        for (MetaOp op : ops) {
            if (MetaOp.INODE.equals(op.op())) {
                last.put(op.inode().ino(), op.inode());
                forgotten.remove(op.inode().ino());
            } else if (MetaOp.FORGET.equals(op.op())) {
                forgotten.add(op.ino());
            }
        }
        return new InodeFates(last, forgotten);
    }
}
