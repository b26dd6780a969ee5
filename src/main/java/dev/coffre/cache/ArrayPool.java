package dev.coffre.cache;

import java.util.ArrayDeque;

/**
 * Large arrays of one size, reused: blocks on their way up (uploads) or down (fetched sealed ranges). A 4 MiB
 * array made for each use is 256 MiB of garbage per 256 MiB moved, which the collector has to find and the heap
 * to make room for: CPU and resident memory of a busy mount (under G1, each was a "humongous" object that
 * started a concurrent cycle). Pooled, a few are made once. At most {@code keep} are kept; beyond that one
 * taken is made and one given back is dropped. Thread-safe.
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
