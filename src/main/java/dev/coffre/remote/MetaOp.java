package dev.coffre.remote;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One metadata operation. Journal records and snapshots are lists of these, applied in order:
 * <ul>
 *   <li>{@code inode}: create or replace the whole state of inode {@code inode.ino};</li>
 *   <li>{@code forget}: drop inode {@code ino} (it has no names left);</li>
 *   <li>{@code link}: make {@code name} in directory {@code parent} point at {@code ino}, replacing any entry;</li>
 *   <li>{@code unlink}: remove {@code name} from directory {@code parent}.</li>
 * </ul>
 * Applying the same list twice gives the same tree (every operation states a result, not a delta).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MetaOp(String op, InodeRecord inode, Long ino, Long parent, String name) {
    public static final String INODE = "inode";
    public static final String FORGET = "forget";
    public static final String LINK = "link";
    public static final String UNLINK = "unlink";

    public static MetaOp inode(InodeRecord inode) {
        return new MetaOp(INODE, inode, null, null, null);
    }

    public static MetaOp forget(long ino) {
        return new MetaOp(FORGET, null, ino, null, null);
    }

    public static MetaOp link(long parent, String name, long ino) {
        return new MetaOp(LINK, null, ino, parent, name);
    }

    public static MetaOp unlink(long parent, String name) {
        return new MetaOp(UNLINK, null, null, parent, name);
    }
}
