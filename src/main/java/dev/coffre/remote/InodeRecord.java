package dev.coffre.remote;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;
import java.util.Map;

/**
 * The complete state of one inode as the metadata journal stores it. Times are nanoseconds since the
 * epoch. {@code blocks} has one entry per 4 MiB block of a regular file; a null entry is a hole (zeros).
 * Extended attribute values are base64.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record InodeRecord(long ino, NodeType type, int mode, int uid, int gid, long rdev, long size,
                          long atime, long mtime, long ctime, String target, List<BlockRef> blocks,
                          Map<String, String> xattrs) {
}
