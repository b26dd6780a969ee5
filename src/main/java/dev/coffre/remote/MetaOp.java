package dev.coffre.remote;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * One metadata operation. Journal records and snapshots are lists of these, applied in order:
 * <ul>
 *   <li>{@code inode}: create or replace the whole state of inode {@code inode.ino};</li>
 *   <li>{@code forget}: drop inode {@code ino} (it has no names left);</li>
 *   <li>{@code link}: make {@code name} in directory {@code parent} point at {@code ino}, replacing any entry;</li>
 *   <li>{@code unlink}: remove {@code name} from directory {@code parent};</li>
 *   <li>{@code trash}: {@code blocks} became unreferenced at time {@code at} (nanoseconds); any client may
 *       delete them once a grace period has passed, so that no client still reading them is surprised;</li>
 *   <li>{@code purge}: those trashed {@code blocks} are deleted.</li>
 * </ul>
 * Applying the same list twice gives the same tree (every operation states a result, not a delta).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MetaOp(String op, InodeRecord inode, Long ino, Long parent, String name, List<BlockRef> blocks,
                     Long at) {
    public static final String INODE = "inode";
    public static final String FORGET = "forget";
    public static final String LINK = "link";
    public static final String UNLINK = "unlink";
    public static final String TRASH = "trash";
    public static final String PURGE = "purge";

    public static MetaOp inode(InodeRecord inode) {
        return new MetaOp(INODE, inode, null, null, null, null, null);
    }

    public static MetaOp forget(long ino) {
        return new MetaOp(FORGET, null, ino, null, null, null, null);
    }

    public static MetaOp link(long parent, String name, long ino) {
        return new MetaOp(LINK, null, ino, parent, name, null, null);
    }

    public static MetaOp unlink(long parent, String name) {
        return new MetaOp(UNLINK, null, null, parent, name, null, null);
    }

    /** Block objects no inode references any more since {@code atNanos}; deleted after a grace period. */
    public static MetaOp trash(List<BlockRef> blocks, long atNanos) {
        return new MetaOp(TRASH, null, null, null, null, blocks, atNanos);
    }

    /** Trashed block objects that are now deleted. */
    public static MetaOp purge(List<BlockRef> blocks) {
        return new MetaOp(PURGE, null, null, null, null, blocks, null);
    }
}
