package dev.coffre.fuse;

import jnr.ffi.Pointer;

/**
 * How long the kernel may keep the attributes in one reply, decided per inode rather than per mount; and which
 * replies hand the kernel a node.
 *
 * <p>libfuse 2's high-level API has one attribute timeout for every reply, and it gives each name of a
 * hard-linked file a kernel inode of its own: with a cached size or link count, a write or unlink through one
 * name would leave the others stale. So the mount runs with {@code attr_timeout=0}, and the replies that carry
 * attributes are rewritten on their way to the kernel: directories and files with a single name get
 * {@link #SECONDS} (the kernel itself updates what this mount changes through that inode, changes made elsewhere
 * are dropped from its caches by {@link KernelInvalidator}, and {@code ls -l}, {@code find} and rsync's scan of
 * names the kernel has seen need no request at all), files with several names keep 0.
 *
 * <p>Layouts are those of the kernel's {@code fuse_entry_out} and {@code fuse_attr_out} (linux/fuse.h,
 * protocol 7.9 and later).
 */
final class AttributeCaching {
    /**
     * As {@code entry_timeout}. Long, because a change made elsewhere reaches the kernel as an invalidation as
     * soon as the change feed brings it; the limit only bounds how stale a missed invalidation could leave a name.
     */
    static final int SECONDS = 3600;

    private static final int FUSE_LOOKUP = 1;
    private static final int FUSE_GETATTR = 3;
    private static final int FUSE_SETATTR = 4;
    private static final int FUSE_SYMLINK = 6;
    private static final int FUSE_MKNOD = 8;
    private static final int FUSE_MKDIR = 9;
    private static final int FUSE_LINK = 13;
    private static final int FUSE_CREATE = 35;

    // fuse_out_header: u32 len, i32 error, u64 unique
    private static final int OUT_ERROR = 4;
    // fuse_entry_out: u64 nodeid, generation, entry_valid, attr_valid; u32 entry_valid_nsec, attr_valid_nsec;
    // struct fuse_attr attr
    private static final int ENTRY_NODEID = 0;
    private static final int ENTRY_ATTR_VALID = 24;
    private static final int ENTRY_ATTR_VALID_NSEC = 36;
    private static final int ENTRY_ATTR = 40;
    // fuse_attr_out: u64 attr_valid; u32 attr_valid_nsec, dummy; struct fuse_attr attr
    private static final int ATTR_OUT_VALID = 0;
    private static final int ATTR_OUT_VALID_NSEC = 8;
    private static final int ATTR_OUT_ATTR = 16;
    // struct fuse_attr: u64 ino, size, blocks, atime, mtime, ctime; u32 atimensec, mtimensec, ctimensec, mode,
    // nlink, ...
    private static final int ATTR_INO = 0;
    private static final int ATTR_MODE = 60;
    private static final int ATTR_NLINK = 64;
    private static final int ATTR_SIZE = 88;

    private static final int S_IFMT = 0170000;
    private static final int S_IFDIR = 0040000;

    private AttributeCaching() {
    }

    /**
     * The node id that a successful reply to {@code opcode} hands the kernel (which counts it until a FORGET), or
     * 0 when the reply hands none: another request, an error, a negative lookup.
     */
    static long enteredNodeId(int opcode, Pointer header, Pointer payload, long payloadLength) {
        boolean entryReply = switch (opcode) {
            case FUSE_LOOKUP, FUSE_SYMLINK, FUSE_MKNOD, FUSE_MKDIR, FUSE_LINK, FUSE_CREATE -> true;
            default -> false;
        };
        if (!entryReply || header.getInt(OUT_ERROR) != 0 || payloadLength < ENTRY_ATTR + ATTR_INO + 8) {
            return 0;
        }
        return payload.getLong(ENTRY_NODEID);
    }

    /** The inode number (the tree's, under {@code use_ino}) in an entry reply. */
    static long enteredInode(Pointer payload) {
        return payload.getLong(ENTRY_ATTR + ATTR_INO);
    }

    /** Seconds the kernel may cache attributes of an inode with this mode and link count. */
    static int secondsFor(int mode, long nlink) {
        return (mode & S_IFMT) == S_IFDIR || nlink == 1 ? SECONDS : 0;
    }

    /**
     * Sets the attribute timeout in a reply to {@code opcode}, given as header and payload. Replies to other
     * requests, errors and negative lookups are left as they are.
     */
    static void adjust(int opcode, Pointer header, Pointer payload, long payloadLength) {
        if (header.getInt(OUT_ERROR) != 0) {
            return;
        }
        switch (opcode) {
            case FUSE_LOOKUP, FUSE_SYMLINK, FUSE_MKNOD, FUSE_MKDIR, FUSE_LINK, FUSE_CREATE -> {
                if (payloadLength >= ENTRY_ATTR + ATTR_SIZE && payload.getLong(ENTRY_NODEID) != 0) {
                    set(payload, ENTRY_ATTR_VALID, ENTRY_ATTR_VALID_NSEC, ENTRY_ATTR);
                }
            }
            case FUSE_GETATTR, FUSE_SETATTR -> {
                if (payloadLength >= ATTR_OUT_ATTR + ATTR_SIZE) {
                    set(payload, ATTR_OUT_VALID, ATTR_OUT_VALID_NSEC, ATTR_OUT_ATTR);
                }
            }
            default -> {
                // nothing to cache
            }
        }
    }

    private static void set(Pointer payload, int validOffset, int validNsecOffset, int attrOffset) {
        int mode = payload.getInt(attrOffset + ATTR_MODE);
        long nlink = Integer.toUnsignedLong(payload.getInt(attrOffset + ATTR_NLINK));
        payload.putLong(validOffset, secondsFor(mode, nlink));
        payload.putInt(validNsecOffset, 0);
    }
}
