package dev.coffre.cache;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One decrypted segment in a buffer of {@link SegmentMemory}, shared by the cache and its readers through a
 * count of references. The buffer goes back to the memory when the last reference is released, and is then
 * reused for another segment: so whoever reads the bytes must hold a reference meanwhile (the cache takes one
 * for a reader, {@link #tryRetain()}, and gives it up when the read is over). A released segment stays
 * released: it is never revived, since its buffer may already hold another segment's bytes. Thread-safe.
 */
final class Segment {
    private final SegmentMemory memory;
    private final ByteBuffer buffer;
    private final int length;
    /** The cache's reference and one per reader (or hold) at the moment; 0 once the buffer went back. */
    private final AtomicInteger references = new AtomicInteger(1);

    private Segment(SegmentMemory memory, ByteBuffer buffer, int length) {
        this.memory = memory;
        this.buffer = buffer;
        this.length = length;
    }

    /**
     * A segment holding a copy of {@code length} bytes of {@code plaintext} from {@code offset}, with one
     * reference (the caller's).
     */
    static Segment copyOf(byte[] plaintext, int offset, int length, SegmentMemory memory) {
        if (length > memory.bufferBytes()) {
            throw new IllegalArgumentException("segment of " + length + " bytes, at most " + memory.bufferBytes());
        }
        ByteBuffer buffer = memory.take();
        buffer.put(0, plaintext, offset, length);
        return new Segment(memory, buffer, length);
    }

    int length() {
        return length;
    }

    /** Takes one more reference, unless the segment is released already (then false: load it again). */
    boolean tryRetain() {
        while (true) {
            int count = references.get();
            if (count == 0) {
                return false;
            }
            if (references.compareAndSet(count, count + 1)) {
                return true;
            }
        }
    }

    /** Gives up one reference; the last one gives the buffer back. */
    void release() {
        int count = references.decrementAndGet();
        if (count == 0) {
            memory.give(buffer);
        } else if (count < 0) {
            throw new IllegalStateException("segment released more often than retained");
        }
    }

    /** Copies {@code n} bytes from {@code from}; the caller holds a reference. */
    void copyTo(int from, byte[] dst, int dstOffset, int n) {
        if (references.get() <= 0) { // a bug that would otherwise read another segment's bytes
            throw new IllegalStateException("read of a released segment");
        }
        buffer.get(from, dst, dstOffset, n);
    }
}
