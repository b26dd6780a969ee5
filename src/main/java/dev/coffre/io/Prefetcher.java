package dev.coffre.io;

import dev.coffre.cache.SegmentCache;

import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The read-ahead of one filesystem core: the threads that fetch ahead of sequential readers, and the bound on
 * what they fetch. At most {@link #RANGES} ranges of one block each are in flight for all files at once;
 * beyond that nothing more is fetched ahead, so memory stays bounded ({@link SegmentCache#READ_AHEAD_BYTES};
 * a range's bytes are on the heap until the cache stores them, within its budget). Each core has its own, so
 * a core that closes with fetches still queued (the mount's warm-up) cannot hold back another's read-ahead.
 */
public final class Prefetcher implements AutoCloseable {
    static final int RANGES = (int) (SegmentCache.READ_AHEAD_BYTES / Offsets.BLOCK);

    private final Semaphore inFlight = new Semaphore(RANGES);
    private final ExecutorService threads = Executors.newFixedThreadPool(8, r -> {
        Thread t = new Thread(r, "coffre-readahead");
        t.setDaemon(true);
        return t;
    });

    /** Takes a place for one more range in flight; false when all are taken (then nothing is fetched). */
    boolean tryStart() {
        return inFlight.tryAcquire();
    }

    /** Gives back the place of a range whose fetch has ended, or was not started. */
    void finished() {
        inFlight.release();
    }

    Executor executor() {
        return threads;
    }

    /** Ranges fetched ahead and not finished yet. */
    int inFlight() {
        return RANGES - inFlight.availablePermits();
    }

    /** Stops fetching ahead: queued fetches are dropped and running ones interrupted (waits for them briefly). */
    @Override
    public void close() {
        threads.shutdownNow();
        try {
            threads.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
