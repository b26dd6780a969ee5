package dev.coffre.remote.mega;

/**
 * MEGA's chunk boundaries, the unit of MACs and of upload POSTs (mega-protocol.md §4.4): chunk {@code k}
 * is 128 KiB × (k+1) long for k = 0..7, every later chunk is 1 MiB. Starts are 0, 128 K, 384 K, 768 K,
 * 1280 K, 1920 K, 2688 K, 3584 K, 4608 K, then every 1 MiB. Pure arithmetic.
 */
public final class Chunks {
    public static final int UNIT = 128 * 1024;
    public static final int MAX_CHUNK = 1024 * 1024;
    /** Chunks 0..7 grow; from chunk 8 (at 4.5 MiB) on they are all {@link #MAX_CHUNK} long. */
    private static final int GROWING = 8;
    private static final long FIRST_FIXED_START = (long) UNIT * GROWING * (GROWING + 1) / 2;

    private Chunks() {
    }

    public static long start(long index) {
        if (index < 0) {
            throw new IllegalArgumentException("negative chunk index");
        }
        if (index <= GROWING) {
            return (long) UNIT * index * (index + 1) / 2;
        }
        return FIRST_FIXED_START + (index - GROWING) * MAX_CHUNK;
    }

    /** Length of chunk {@code index} when the file does not end inside it. */
    public static int fullLength(long index) {
        return index < GROWING ? (int) (UNIT * (index + 1)) : MAX_CHUNK;
    }

    /** Length of chunk {@code index} in a file of {@code fileSize} bytes (the last one may be shorter). */
    public static int length(long index, long fileSize) {
        long start = start(index);
        return (int) Math.max(0, Math.min(fullLength(index), fileSize - start));
    }

    /** The chunk holding byte {@code offset}. */
    public static long indexOf(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("negative offset");
        }
        if (offset >= FIRST_FIXED_START) {
            return GROWING + (offset - FIRST_FIXED_START) / MAX_CHUNK;
        }
        long index = 0;
        while (start(index + 1) <= offset) {
            index++;
        }
        return index;
    }

    /** Number of chunks of a file; an empty file has none. */
    public static long count(long fileSize) {
        return fileSize == 0 ? 0 : indexOf(fileSize - 1) + 1;
    }

    /** The chunk boundary at or before {@code offset}. */
    public static long floor(long offset) {
        return start(indexOf(offset));
    }

    /** The chunk boundary at or after {@code offset}, capped at the end of the file. */
    public static long ceil(long offset, long fileSize) {
        if (offset >= fileSize) {
            return fileSize;
        }
        long floor = floor(offset);
        return floor == offset ? offset : Math.min(fileSize, start(indexOf(offset) + 1));
    }

    /** True when {@code size} ends exactly on a chunk boundary (including 0). */
    public static boolean endsOnBoundary(long size) {
        return size == 0 || floor(size) == size;
    }
}
