package dev.coffre.io;

import java.util.ArrayDeque;

/**
 * Block-sized arrays that uploads reuse. A 4 MiB array made for each upload is, for the JVM's collector (G1),
 * a "humongous" object: it takes heap regions of its own and its allocation starts concurrent collection
 * cycles, which cost a writing mount CPU and resident memory. Pooled, a few are made once. At most
 * {@code keep} are kept; beyond that one taken is made and one given back is dropped. Thread-safe.
 */
final class BlockBuffers {
    private final int size;
    private final int keep;
    // Guarded by this.
    private final ArrayDeque<byte[]> free = new ArrayDeque<>();

    BlockBuffers(int size, int keep) {
        this.size = size;
        this.keep = keep;
    }

    /** An array of the block size; its content is undefined. */
    byte[] take() {
        synchronized (this) {
            byte[] pooled = free.pollLast();
            if (pooled != null) {
                return pooled;
            }
        }
        return new byte[size];
    }

    /** Gives back an array from {@link #take()}, which its user no longer reads or writes. */
    void give(byte[] buffer) {
        synchronized (this) {
            if (free.size() < keep) {
                free.addLast(buffer);
            }
        }
    }
}
