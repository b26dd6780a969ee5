package dev.coffre.io;

import dev.coffre.remote.Remote;

/** Offset and size arithmetic of files cut into blocks and segments. Pure functions. */
public final class Offsets {
    public static final int BLOCK = Remote.BLOCK_SIZE;
    public static final int SEGMENT = Remote.SEGMENT_SIZE;

    private Offsets() {
    }

    /** Index of the block holding byte {@code offset} (floor by integer division). */
    public static int blockIndex(long offset) {
        return Math.toIntExact(offset / BLOCK);
    }

    public static long blockStart(int block) {
        return (long) block * BLOCK;
    }

    /** Blocks a file of {@code size} bytes spans. */
    public static int blockCount(long size) {
        return Math.toIntExact((size + BLOCK - 1) / BLOCK);
    }

    /** Bytes of block {@code block} that lie inside a file of {@code size} bytes (0 past the end). */
    public static int blockLength(long size, int block) {
        return (int) Math.max(0, Math.min(BLOCK, size - blockStart(block)));
    }

    public static int segmentIndex(int offsetInBlock) {
        return offsetInBlock / SEGMENT;
    }
}
