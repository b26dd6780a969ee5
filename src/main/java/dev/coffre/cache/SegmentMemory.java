package dev.coffre.cache;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Optional;

/**
 * Buffers outside the Java heap for decrypted segments, one segment each, reused rather than freed.
 *
 * <p>Why outside the heap: a cache of byte arrays in the heap needs a heap about twice its size, since the
 * collector only finds evicted segments some time after they go, and copies live ones around; that was most
 * of the mount's memory. Here the bytes of a segment are freed the moment its last user lets go
 * ({@link Segment#release()}), and the collector never sees them.
 *
 * <p>Never blocks and never fails: the budget is kept by the cache's own bound on what it holds (see
 * {@link SegmentCache}); this class only recycles. New buffers are cut from {@link HugePageSlabs} (memory that
 * is never freed), at most {@code capacity} of them; past that, and where slabs cannot be had, they are
 * {@link ByteBuffer#allocateDirect} buffers. A buffer given back while more than {@code capacity} are out or
 * pooled is dropped instead of pooled, so a buffer that a bug never gives back costs speed (a new one is made),
 * not memory beyond the budget for good. Thread-safe.
 */
final class SegmentMemory {
    /** The process's slabs, looked up once: empty where the C library cannot be reached. */
    private static final class ProcessSlabs {
        static final Optional<HugePageSlabs> SLABS = HugePageSlabs.open();
    }

    private final int bufferBytes;
    private final int capacity;
    // Guarded by this.
    private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();
    private int inUse;
    private int peakInUse;
    /** Where new buffers are cut from; null once slabs cannot be had, when made without, or for buffers too big. */
    private HugePageSlabs slabs;
    /** The slab being cut, at the start of its next buffer. */
    private ByteBuffer slab;
    /** Buffers cut from slabs so far: never more than {@code capacity}, so slabs never hold more than the budget. */
    private int cut;

    SegmentMemory(long budgetBytes, int bufferBytes) {
        this(budgetBytes, bufferBytes, ProcessSlabs.SLABS.orElse(null));
    }

    /** {@code slabs} null: every buffer from {@link ByteBuffer#allocateDirect}. */
    SegmentMemory(long budgetBytes, int bufferBytes, HugePageSlabs slabs) {
        this.bufferBytes = bufferBytes;
        this.capacity = (int) Math.max(1, budgetBytes / bufferBytes);
        this.slabs = bufferBytes <= HugePageSlabs.SLAB_BYTES ? slabs : null; // a buffer must fit in a slab
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
            ByteBuffer fromSlab = cutFromSlab();
            if (fromSlab != null) {
                return fromSlab;
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

    /** A new buffer cut from a slab (mapping one if needed), or null if no more may or can be cut. */
    private ByteBuffer cutFromSlab() {
        if (slabs == null || cut >= capacity) {
            return null;
        }
        if (slab == null || slab.remaining() < bufferBytes) {
            slab = slabs.map().orElse(null);
            if (slab == null) {
                slabs = null; // the kernel refused: allocateDirect from now on
                return null;
            }
        }
        ByteBuffer buffer = slab.slice(slab.position(), bufferBytes);
        slab.position(slab.position() + bufferBytes);
        cut++;
        return buffer;
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
