package dev.coffre.vfs;

import dev.coffre.remote.BlockRef;
import dev.coffre.remote.InodeRecord;
import dev.coffre.remote.NodeType;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One node of the tree in memory: the committed state of an inode plus its directory entries.
 * Not thread-safe; guarded by the {@link Vfs} tree lock.
 */
final class Inode {
    final long ino;
    final NodeType type;
    int mode;
    int uid;
    int gid;
    long rdev;
    long size;
    long atime;
    long mtime;
    long ctime;
    String target;
    List<BlockRef> blocks = List.of();
    final TreeMap<String, byte[]> xattrs = new TreeMap<>();

    /** Directory entries by name (directories only). */
    final TreeMap<String, Long> children;
    /** The directory holding this one (directories only; the root is its own parent). */
    long parent;
    /** Names pointing at this inode. */
    int links;
    /** Subdirectories, for a directory's link count. */
    int subdirectories;

    Inode(long ino, NodeType type) {
        this.ino = ino;
        this.type = type;
        this.children = type == NodeType.DIRECTORY ? new TreeMap<>() : null;
    }

    boolean isDirectory() {
        return type == NodeType.DIRECTORY;
    }

    void update(InodeRecord record) {
        mode = record.mode();
        uid = record.uid();
        gid = record.gid();
        rdev = record.rdev();
        size = record.size();
        atime = record.atime();
        mtime = record.mtime();
        ctime = record.ctime();
        target = record.target();
        blocks = record.blocks() == null ? List.of() : new ArrayList<>(record.blocks());
        xattrs.clear();
        if (record.xattrs() != null) {
            record.xattrs().forEach((name, value) -> xattrs.put(name, Base64.getDecoder().decode(value)));
        }
    }

    InodeRecord toRecord() {
        Map<String, String> encoded = null;
        if (!xattrs.isEmpty()) {
            encoded = new TreeMap<>();
            for (Map.Entry<String, byte[]> e : xattrs.entrySet()) {
                encoded.put(e.getKey(), Base64.getEncoder().encodeToString(e.getValue()));
            }
        }
        return new InodeRecord(ino, type, mode, uid, gid, rdev, size, atime, mtime, ctime, target,
                type == NodeType.FILE ? new ArrayList<>(blocks) : null, encoded);
    }

    Attributes attributes() {
        long nlink = isDirectory() ? 2L + subdirectories : links;
        return new Attributes(ino, type, mode, nlink, uid, gid, rdev, size, atime, mtime, ctime);
    }
}
