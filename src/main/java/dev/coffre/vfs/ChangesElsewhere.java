package dev.coffre.vfs;

import dev.coffre.remote.MetaOp;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What changes this mount did not make through its own file system touched: other clients' changes from the
 * change feed and the conflict copies made of them. Caches of the tree kept outside this process (the
 * kernel's names and attributes) learn of such changes only from here.
 *
 * @param inodes inodes whose attributes or content changed, or that were dropped
 * @param names  directory entries that appeared, disappeared or now name another inode
 */
public record ChangesElsewhere(Set<Long> inodes, Set<Name> names) {
    /** Told after the tree holds the changes, without the tree lock; must return quickly. */
    public interface Listener {
        Listener NONE = changes -> { };

        void changed(ChangesElsewhere changes);
    }

    /** The entry {@code name} in directory {@code parent}. */
    public record Name(long parent, String name) {
    }

    /** What {@code ops} touch: a link or unlink touches its name and its directory's attributes. */
    public static ChangesElsewhere of(List<MetaOp> ops) {
        Set<Long> inodes = new HashSet<>();
        Set<Name> names = new HashSet<>();
        for (MetaOp op : ops) {
            switch (op.op()) {
                case MetaOp.INODE -> inodes.add(op.inode().ino());
                case MetaOp.FORGET -> inodes.add(op.ino());
                case MetaOp.LINK, MetaOp.UNLINK -> {
                    names.add(new Name(op.parent(), op.name()));
                    inodes.add(op.parent());
                }
                default -> {
                    // trash and purge concern block objects, which no cache outside keys by inode
                }
            }
        }
        return new ChangesElsewhere(Set.copyOf(inodes), Set.copyOf(names));
    }

    public boolean isEmpty() {
        return inodes.isEmpty() && names.isEmpty();
    }
}
