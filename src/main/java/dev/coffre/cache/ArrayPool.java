package dev.coffre.cache;

import java.util.ArrayDeque;

/**
 * Large arrays of one size, reused: blocks on their way up (uploads) or down (fetched sealed ranges). A 4 MiB
 * array made for each use is, for the JVM's collector (G1), a "humongous" object: it takes heap regions of its
 * own and its allocation starts concurrent collection cycles, which cost a busy mount CPU and resident memory.
 * Pooled, a few are made once. At most {@code keep} are kept; beyond that one taken is made and one given back
 * is dropped. Thread-safe.
 */
public final class ArrayPool {
    private final int size;
    private final int keep;
    // Guarded by this.
    private final ArrayDeque<byte[]> free = new ArrayDeque<>();

    public ArrayPool(int size, int keep) {
        this.size = size;
        this.keep = keep;
    }

    /** The size of every array this pool hands out. */
    public int size() {
        return size;
    }

    /** An array of the pool's size; its content is undefined. */
    public byte[] take() {
        synchronized (this) {
            byte[] pooled = free.pollLast();
            if (pooled != null) {
                return pooled;
            }
        }
        return new byte[size];
    }

    /** Gives back an array from {@link #take()}, which its user no longer reads or writes. */
    public void give(byte[] array) {
        synchronized (this) {
            if (free.size() < keep) {
                free.addLast(array);
            }
        }
    }
}
