package dev.coffre.io;

import dev.coffre.remote.BlockRef;

import java.io.IOException;
import java.util.List;

/** Commits the new content of an inode to the metadata journal (implemented by the VFS). */
public interface ContentCommitter {
    /**
     * Records size, blocks and (when non-null) mtime of {@code ino}. Returns false, committing nothing,
     * when the inode has no names left (deleted while open): its content then dies with the last handle.
     */
    boolean commitContent(long ino, long size, List<BlockRef> blocks, Long mtime) throws IOException;
}
