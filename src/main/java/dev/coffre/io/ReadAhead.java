package dev.coffre.io;

/**
 * Sequential-read detection for one open handle. A read that starts near where the reading had got to
 * grows the window (doubling, up to {@link #MAX_WINDOW}); any other read drops it to nothing, so random
 * access fetches only what it reads. "Near" tolerates the kernel's own readahead, which sends several
 * reads of one sequential stream at once, on different threads, in no fixed order.
 * Thread-safe (one handle may be read by several threads).
 */
public final class ReadAhead {
    static final long MIN_WINDOW = 512 * 1024;
    static final long MAX_WINDOW = 16L * 1024 * 1024;

    static final long NEAR = 1024 * 1024;

    private long nextOffset = -1;
    private int nearReads;
    private long window;
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
            window = window == 0 ? MIN_WINDOW : Math.min(MAX_WINDOW, window * 2);
        } else if (!near) {
            window = 0;
            requestedUpTo = 0; // a jump: what was asked for before says nothing about here
        }
        nextOffset = near ? Math.max(nextOffset, offset + length) : offset + length;
        return window;
    }

    /**
     * The part of {@code offset..end} not asked for by an earlier read of this stream, as {start, end}
     * (empty when start >= end); records it as asked for.
     */
    public synchronized long[] claim(long offset, long end) {
        long start = Math.max(offset, requestedUpTo);
        requestedUpTo = Math.max(requestedUpTo, end);
        return new long[] {start, end};
    }
}
