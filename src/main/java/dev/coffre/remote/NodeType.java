package dev.coffre.remote;

import com.fasterxml.jackson.annotation.JsonValue;

/** Kinds of inode, with their names in the metadata format and their S_IFMT bits. */
public enum NodeType {
    FILE("file", 0100000), DIRECTORY("dir", 0040000), SYMLINK("symlink", 0120000),
    FIFO("fifo", 0010000), SOCKET("socket", 0140000), CHAR_DEVICE("chr", 0020000), BLOCK_DEVICE("blk", 0060000);

    private final String formatName;
    private final int modeBits;

    NodeType(String formatName, int modeBits) {
        this.formatName = formatName;
        this.modeBits = modeBits;
    }

    @JsonValue
    public String formatName() {
        return formatName;
    }

    public int modeBits() {
        return modeBits;
    }

    public static NodeType ofModeBits(int mode) {
        for (NodeType type : values()) {
            if ((mode & 0170000) == type.modeBits) {
                return type;
            }
        }
        throw new IllegalArgumentException("unknown file type in mode " + Integer.toOctalString(mode));
    }

    @com.fasterxml.jackson.annotation.JsonCreator
    public static NodeType ofFormatName(String name) {
        for (NodeType type : values()) {
            if (type.formatName.equals(name)) {
                return type;
            }
        }
        throw new IllegalArgumentException("unknown node type: " + name);
    }
}
