package dev.coffre.cache;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Verified plaintext segments in memory, keyed by (object id, segment index), within one byte budget for all
 * decrypted data: segments cached, fetched ahead and not read yet, and being stored or read. Concurrent misses
 * of one segment share one load. Knows nothing of crypto or storage: loads go through {@link Loader}.
 *
 * <p>The bytes live outside the Java heap ({@link SegmentMemory}), each segment counted by references
 * ({@link Segment}): the cache holds one, and a reader holds one while it copies ({@link Pinned}), so that a
 * segment evicted during a read stays valid until that read is over, and its buffer is reused only after.
 * The budget splits so that the total stays within it: a quarter (at most {@link #READ_AHEAD_BYTES}, as much
 * as the read-ahead has in flight) for segments fetched ahead and held until read (most of them are in the
 * cache too); an eighth (at most 32 MiB) for segments being stored, segments that readers still hold after
 * their eviction, and segments just stored that the cache has not weighed yet (it counts them in the
 * background, some dozens behind at worst); the rest for the cache proper.
 *
 * <p>Segments fetched ahead ({@link #prefetch}) are held aside until their first read: the cache's admission
 * policy (W-TinyLFU) favours segments read before over new ones, so with the cache full of an earlier file, a
 * segment fetched ahead was dropped before its reader came and fetched again (a second 256 MiB file read
 * after a first took 350 MiB of requests).
 * Thread-safe.
 */
public final class SegmentCache {
    /**
     * Loads a run of consecutive segments of one object, handing each to {@code into} in order (index 0 is
     * {@code firstSegment}).
     */
    @FunctionalInterface
    public interface Loader {
        void load(int firstSegment, int count, Sink into) throws IOException;
    }

    /**
     * Takes one loaded segment: {@code length} bytes of {@code plaintext} from {@code offset}, copied before
     * the call returns, so a loader may decrypt a whole run into one array it reuses.
     */
    @FunctionalInterface
    public interface Sink {
        void accept(int index, byte[] plaintext, int offset, int length);
    }

    /** The largest segment the cache takes (the vault format's segment size). */
    public static final int MAX_SEGMENT_BYTES = 64 * 1024;
    /**
     * The most fetched ahead at once: ranges in flight (io.Prefetcher bounds them by this), whose fetched bytes
     * are on the heap until they are stored here, and segments held here until read (less with a budget under
     * 256 MiB: a quarter of it).
     */
    public static final long READ_AHEAD_BYTES = 64L << 20;
    private static final long IN_USE_RESERVE_BYTES = 32L << 20;
    /** Lookups a read retries when what it found was evicted before it could pin it (a busy, small cache). */
    private static final int PIN_ATTEMPTS = 100;

    private record Key(String objectId, int segment) {
    }

    private final SegmentMemory memory;
    private final AsyncCache<Key, Segment> cache;
    private final long heldAheadBudget;
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();
    private final AtomicLong evictions = new AtomicLong();
    /** Segments fetched ahead and not read yet, oldest first, each with a reference of its own; guarded by itself. */
    private final LinkedHashMap<Key, Segment> fetchedAhead = new LinkedHashMap<>();
    private long fetchedAheadBytes;

    public SegmentCache(long budgetBytes) {
        this(new SegmentMemory(budgetBytes, MAX_SEGMENT_BYTES), budgetBytes);
    }

    /**
     * A cache whose memory goes back when it is dropped: plain direct buffers, freed once collected, instead of the
     * process's slabs, which are never unmapped (a throw-away cache cut 6 MiB of them that stayed resident).
     */
    public static SegmentCache throwAway(long budgetBytes) {
        return new SegmentCache(new SegmentMemory(budgetBytes, MAX_SEGMENT_BYTES, null), budgetBytes);
    }

    private SegmentCache(SegmentMemory memory, long budgetBytes) {
        this.memory = memory;
        this.heldAheadBudget = Math.min(READ_AHEAD_BYTES, budgetBytes / 4);
        long cached = budgetBytes - heldAheadBudget - Math.min(IN_USE_RESERVE_BYTES, budgetBytes / 8);
        this.cache = Caffeine.newBuilder()
                .maximumWeight(Math.max(MAX_SEGMENT_BYTES, cached))
                .weigher((Key key, Segment value) -> value.length())
                .removalListener((Key key, Segment value, RemovalCause cause) -> {
                    if (value != null) {
                        value.release(); // the cache's reference
                    }
                    if (cause.wasEvicted()) {
                        // Counted for status and metrics: evictions that rise with misses mean the cache is too small.
                        evictions.incrementAndGet();
                    }
                })
                .executor(Runnable::run) // the reference goes back at once, on the thread that evicted
                .buildAsync();
    }

    /**
     * Segments read, pinned: valid until {@link #close()}, which every reader must call (try-with-resources).
     * Not thread-safe (one reader).
     */
    public static final class Pinned implements AutoCloseable {
        private final Segment[] segments;
        private boolean closed;

        private Pinned(Segment[] segments) {
            this.segments = segments;
        }

        public int count() {
            return segments.length;
        }

        /** The length of the {@code i}-th segment read. */
        public int length(int i) {
            return segments[i].length();
        }

        /** Copies {@code n} bytes of the {@code i}-th segment read, from {@code from}, to {@code dst}. */
        public void copy(int i, int from, byte[] dst, int dstOffset, int n) {
            if (closed) {
                throw new IllegalStateException("segments read after their release");
            }
            segments[i].copyTo(from, dst, dstOffset, n);
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                releaseAll(segments);
            }
        }
    }

    /** Segments {@code first .. first+count-1} of {@code objectId}, loading the missing ones in contiguous runs. */
    public Pinned get(String objectId, int first, int count, Loader loader) throws IOException {
        Segment[] out = new Segment[count];
        boolean done = false;
        try {
            hits.addAndGet(count);
            for (int attempt = 0; attempt < PIN_ATTEMPTS; attempt++) {
                List<Key> keys = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    if (out[i] == null) {
                        Key key = new Key(objectId, first + i);
                        out[i] = takeFetchedAhead(key); // its hold's reference is now this read's
                        if (out[i] == null) {
                            keys.add(key);
                        }
                    }
                }
                if (keys.isEmpty()) {
                    done = true;
                    return new Pinned(out);
                }
                Map<Key, Segment> found = getAll(objectId, keys, loader, out, first);
                for (Key key : keys) {
                    if (out[key.segment() - first] != null) {
                        continue; // loaded by this read, which took its reference then
                    }
                    Segment segment = found.get(key);
                    // Evicted since it was found (its buffer gone back) when tryRetain fails: look again.
                    if (segment != null && segment.tryRetain()) {
                        out[key.segment() - first] = segment;
                        Segment held = takeFetchedAhead(key); // read through the cache while its load ran
                        if (held != null) {
                            held.release();
                        }
                    }
                }
            }
            throw new IOException("segments of " + objectId + " evicted before they could be read, "
                    + PIN_ATTEMPTS + " times: the cache is too small for the reads at hand");
        } finally {
            if (!done) {
                releaseAll(out);
            }
        }
    }

    /**
     * Looks {@code keys} up, loading the missing ones on this thread; a segment so loaded goes into
     * {@code pinned} (at its index from {@code first}) with a reference of its own, taken before the cache
     * sees it: the cache's policy may turn a newcomer away at once, and this read must not lose it.
     */
    private Map<Key, Segment> getAll(String objectId, List<Key> keys, Loader loader, Segment[] pinned, int first)
            throws IOException {
        try {
            return cache.getAll(keys, (missing, executor) -> {
                misses.addAndGet(missing.size());
                try {
                    Map<Key, Segment> loaded = loadRuns(objectId, missing, loader);
                    loaded.forEach((key, segment) -> {
                        segment.tryRetain(); // not in the cache yet, so not released: always true
                        pinned[key.segment() - first] = segment;
                    });
                    return CompletableFuture.completedFuture(loaded);
                } catch (IOException e) {
                    return CompletableFuture.failedFuture(e);
                }
            }).join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof UncheckedIOException io) {
                throw io.getCause();
            }
            if (cause instanceof CompletionException nested && nested.getCause() instanceof IOException io) {
                throw io;
            }
            throw e;
        }
    }

    private static void releaseAll(Segment[] segments) {
        for (Segment segment : segments) {
            if (segment != null) {
                segment.release();
            }
        }
    }

    private Segment takeFetchedAhead(Key key) {
        synchronized (fetchedAhead) {
            Segment value = fetchedAhead.remove(key);
            if (value != null) {
                fetchedAheadBytes -= value.length();
            }
            return value;
        }
    }

    /** Holds segments fetched ahead until read; beyond the budget the oldest go (left to the cache alone). */
    private void holdFetchedAhead(Map<Key, Segment> loaded) {
        List<Segment> dropped = new ArrayList<>();
        synchronized (fetchedAhead) {
            loaded.forEach((key, value) -> {
                if (value.tryRetain()) { // not yet in the cache, so not released: always true
                    Segment previous = fetchedAhead.put(key, value);
                    fetchedAheadBytes += value.length();
                    if (previous != null) {
                        fetchedAheadBytes -= previous.length();
                        dropped.add(previous);
                    }
                }
            });
            var oldest = fetchedAhead.entrySet().iterator();
            while (fetchedAheadBytes > heldAheadBudget && oldest.hasNext()) {
                Segment segment = oldest.next().getValue();
                fetchedAheadBytes -= segment.length();
                dropped.add(segment);
                oldest.remove();
            }
        }
        dropped.forEach(Segment::release);
    }

    /** Loads the missing segments into buffers of the cache's memory, each with one reference (the cache's). */
    private Map<Key, Segment> loadRuns(String objectId, Set<? extends Key> missing, Loader loader)
            throws IOException {
        TreeSet<Integer> segments = new TreeSet<>();
        missing.forEach(k -> segments.add(k.segment()));
        Map<Key, Segment> loaded = new LinkedHashMap<>(); // in segment order, as held and read
        try {
            while (!segments.isEmpty()) {
                int start = segments.first();
                int end = start;
                while (segments.contains(end + 1)) {
                    end++;
                }
                int runLength = end - start + 1;
                loader.load(start, runLength, (index, plaintext, offset, length) -> {
                    Key key = new Key(objectId, start + index);
                    if (index < 0 || index >= runLength || loaded.containsKey(key)) {
                        throw new IllegalArgumentException("segment " + index + " of a run of " + runLength
                                + " handed over twice or outside the run");
                    }
                    loaded.put(key, Segment.copyOf(plaintext, offset, length, memory));
                });
                for (int segment = start; segment <= end; segment++) {
                    if (!loaded.containsKey(new Key(objectId, segment))) {
                        throw new IOException("segment " + segment + " of " + objectId + " was not loaded");
                    }
                    segments.remove(segment);
                }
            }
            return loaded;
        } catch (IOException | RuntimeException | Error e) {
            loaded.values().forEach(Segment::release); // never reach the cache
            throw e;
        }
    }

    /**
     * Starts loading segments {@code first .. first+count-1} on {@code executor} unless they are cached or
     * loading; returns at once. Readers of those segments meanwhile wait for this load instead of starting
     * their own. Returns the load, or null when there was nothing to load.
     */
    public CompletableFuture<?> prefetch(String objectId, int first, int count, Loader loader,
                                         java.util.concurrent.Executor executor) {
        List<Key> keys = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Key key = new Key(objectId, first + i);
            if (cache.getIfPresent(key) == null) {
                keys.add(key);
            }
        }
        if (keys.isEmpty()) {
            return null;
        }
        return cache.getAll(keys, (missing, ignored) -> CompletableFuture.supplyAsync(() -> {
            misses.addAndGet(missing.size());
            try {
                Map<Key, Segment> loaded = loadRuns(objectId, missing, loader);
                holdFetchedAhead(loaded);
                return loaded;
            } catch (IOException e) {
                throw new CompletionException(e);
            }
        }, executor));
    }

    /** Segment lookups served (including those that had to load). */
    public long requests() {
        return hits.get();
    }

    public long misses() {
        return misses.get();
    }

    /** Segments dropped to stay within the byte budget. */
    public long evictions() {
        return evictions.get();
    }

    /** Bytes of decrypted data in memory: cached, held until read, being stored or read. */
    public long memoryBytes() {
        return (long) memory.inUse() * memory.bufferBytes();
    }

    /** The most bytes of decrypted data in memory at once since this cache was made. */
    public long peakMemoryBytes() {
        return (long) memory.peakInUse() * memory.bufferBytes();
    }
}
