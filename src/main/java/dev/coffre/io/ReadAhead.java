package dev.coffre.io;

/**
 * Sequential-read detection for one open handle. A read that starts near where the reading had got to
 * keeps the window; the window doubles (up to {@link #MAX_WINDOW}) each time the reader has gone through
 * half of it, so a short read (1 MiB from the middle of a film) fetches little more than it reads while a
 * long stream soon fetches far ahead. Any other read drops the window to nothing, so random access fetches
 * only what it reads. "Near" tolerates the kernel's own readahead, which sends several
 * reads of one sequential stream at once, on different threads, in no fixed order.
 * Thread-safe (one handle may be read by several threads).
 */
public final class ReadAhead {
    static final long MIN_WINDOW = 512 * 1024;
    static final long MAX_WINDOW = 16L * 1024 * 1024;

    static final long NEAR = 1024 * 1024;
    /** The largest piece asked for at once: one 4 MiB block. */
    static final long MAX_PIECE = 4L * 1024 * 1024;

    private long nextOffset = -1;
    private int nearReads;
    private long window;
    /** Where the reader was when the window last grew. */
    private long grownAt;
    /** How far fetching ahead has been asked for already: each read only asks for what is new. */
    private long requestedUpTo;

    /**
     * Records a read; returns how many bytes after it are worth fetching ahead (0 for none). A stream
     * counts as sequential from its start, or after two reads in a row near the previous ones.
     */
    public synchronized long onRead(long offset, int length) {
        boolean near = nextOffset == -1 ? offset == 0 : Math.abs(offset - nextOffset) <= NEAR;
        nearReads = near ? nearReads + 1 : 0;
        if (near && (nearReads >= 2 || offset == 0)) {
            if (window == 0) {
                window = MIN_WINDOW;
                grownAt = offset;
            } else if (offset + length - grownAt >= window / 2) {
                window = Math.min(MAX_WINDOW, window * 2);
                grownAt = offset;
            }
        } else if (!near) {
            window = 0;
            requestedUpTo = 0; // a jump: what was asked for before says nothing about here
        }
        nextOffset = near ? Math.max(nextOffset, offset + length) : offset + length;
        return window;
    }

    /**
     * The part of {@code offset..end} not asked for by an earlier read of this stream, as {start, end}
     * (empty when start >= end); records it as asked for. While what was asked for before is still ahead
     * of the reader, more is asked for only in pieces of half the window (at most {@link #MAX_PIECE}): a
     * steady stream then makes one large request per piece instead of a small one per read.
     */
    public synchronized long[] claim(long offset, long end) {
        long start = Math.max(offset, requestedUpTo);
        boolean stillAhead = requestedUpTo > offset + NEAR;
        if (stillAhead && end - start < Math.min(window / 2, MAX_PIECE)) {
            return new long[] {start, start};
        }
        requestedUpTo = Math.max(requestedUpTo, end);
        return new long[] {start, end};
    }
}
