package dev.coffre.vfs;

import dev.coffre.remote.NodeType;

/** What {@code stat} reports for one inode. Times are nanoseconds since the epoch. */
public record Attributes(long ino, NodeType type, int mode, long nlink, int uid, int gid, long rdev, long size,
                         long atime, long mtime, long ctime) {
    /** Full st_mode: file type bits plus permission bits. */
    public int fullMode() {
        return type.modeBits() | mode;
    }

    /** st_blocks in 512-byte units; holes are not counted apart. */
    public long blocks512() {
        return (size + 511) / 512;
    }
}
