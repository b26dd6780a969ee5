package dev.coffre.cache;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * Buffers outside the Java heap for decrypted segments, one segment each, reused rather than freed.
 *
 * <p>Why outside the heap: a cache of byte arrays in the heap needs a heap about twice its size, since the
 * collector only finds evicted segments some time after they go, and copies live ones around; that was most
 * of the mount's memory. Here the bytes of a segment are freed the moment its last user lets go
 * ({@link Segment#release()}), and the collector never sees them.
 *
 * <p>Never blocks and never fails: the budget is kept by the cache's own bound on what it holds (see
 * {@link SegmentCache}); this class only recycles. A buffer given back while more than {@code capacity} are
 * out or pooled is dropped to the collector instead of pooled, so a buffer that a bug never gives back costs
 * speed (a new one is made), not memory beyond the budget for good. Thread-safe.
 */
final class SegmentMemory {
    private final int bufferBytes;
    private final int capacity;
    // Guarded by this.
    private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();
    private int inUse;
    private int peakInUse;

    SegmentMemory(long budgetBytes, int bufferBytes) {
        this.bufferBytes = bufferBytes;
        this.capacity = (int) Math.max(1, budgetBytes / bufferBytes);
    }

    int bufferBytes() {
        return bufferBytes;
    }

    /** A buffer of {@link #bufferBytes()}, position 0, limit at its capacity; its content is undefined. */
    ByteBuffer take() {
        synchronized (this) {
            inUse++;
            peakInUse = Math.max(peakInUse, inUse);
            ByteBuffer pooled = free.pollLast(); // the most recently used: likelier still in the CPU's caches
            if (pooled != null) {
                return pooled.clear();
            }
        }
        try {
            return ByteBuffer.allocateDirect(bufferBytes);
        } catch (OutOfMemoryError e) { // the JVM's limit on direct memory: not taken after all
            synchronized (this) {
                inUse--;
            }
            throw e;
        }
    }

    void give(ByteBuffer buffer) {
        synchronized (this) {
            inUse--;
            if (inUse + free.size() < capacity) {
                free.addLast(buffer);
            }
        }
    }

    /** Buffers taken and not given back. */
    synchronized int inUse() {
        return inUse;
    }

    /** The most buffers out at once since this was made. */
    synchronized int peakInUse() {
        return peakInUse;
    }
}
