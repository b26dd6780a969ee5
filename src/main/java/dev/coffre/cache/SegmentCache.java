package dev.coffre.cache;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Verified plaintext segments in memory, keyed by (object id, segment index), within one byte budget.
 * Concurrent misses of one segment share one load. Values are never modified, so a caller that holds one
 * keeps it valid even after eviction. Knows nothing of crypto or storage: loads go through {@link Loader}.
 *
 * <p>Segments fetched ahead ({@link #prefetch}) are also held aside until their first read, within a budget of
 * their own: the cache's admission policy (W-TinyLFU) favours segments read before over new ones, so with the
 * cache full of an earlier file, a segment fetched ahead was dropped before its reader came and fetched again
 * (a second 256 MiB file read after a first took 350 MiB of requests).
 * Thread-safe.
 */
public final class SegmentCache {
    /** Loads a run of consecutive segments of one object. */
    @FunctionalInterface
    public interface Loader {
        byte[][] load(int firstSegment, int count) throws IOException;
    }

    private record Key(String objectId, int segment) {
    }

    private final AsyncCache<Key, byte[]> cache;
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();
    private final AtomicLong evictions = new AtomicLong();
    /**
     * The read-ahead budget, outside the cache's: the bytes of segments fetched ahead and held here until read,
     * and as much again in flight (io.Prefetcher bounds its ranges by it).
     */
    public static final long READ_AHEAD_BYTES = 64L << 20;
    /** Segments fetched ahead and not read yet, oldest first; guarded by itself. */
    private final LinkedHashMap<Key, byte[]> fetchedAhead = new LinkedHashMap<>();
    private long fetchedAheadBytes;

    public SegmentCache(long maximumBytes) {
        this.cache = Caffeine.newBuilder()
                .maximumWeight(maximumBytes)
                .weigher((Key key, byte[] value) -> value.length)
                // Counted for status and metrics: evictions that rise with misses mean the cache is too small.
                .evictionListener((Key key, byte[] value, RemovalCause cause) -> {
                    if (cause.wasEvicted()) {
                        evictions.incrementAndGet();
                    }
                })
                .executor(Runnable::run)
                .buildAsync();
    }

    /** Segments {@code first .. first+count-1} of {@code objectId}, loading the missing ones in contiguous runs. */
    public byte[][] get(String objectId, int first, int count, Loader loader) throws IOException {
        byte[][] out = new byte[count][];
        List<Key> keys = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Key key = new Key(objectId, first + i);
            out[i] = takeFetchedAhead(key);
            if (out[i] == null) {
                keys.add(key);
            }
        }
        hits.addAndGet(count);
        if (keys.isEmpty()) {
            return out;
        }
        Map<Key, byte[]> found;
        try {
            found = cache.getAll(keys, (missing, executor) -> {
                misses.addAndGet(missing.size());
                try {
                    return CompletableFuture.completedFuture(loadRuns(objectId, missing, loader));
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
        for (int i = 0; i < count; i++) {
            if (out[i] == null) {
                Key key = new Key(objectId, first + i);
                out[i] = found.get(key);
                takeFetchedAhead(key); // read through the cache while its load was running
            }
        }
        return out;
    }

    private byte[] takeFetchedAhead(Key key) {
        synchronized (fetchedAhead) {
            byte[] value = fetchedAhead.remove(key);
            if (value != null) {
                fetchedAheadBytes -= value.length;
            }
            return value;
        }
    }

    /** Holds segments fetched ahead until read; beyond the budget the oldest go (left to the cache alone). */
    private void holdFetchedAhead(Map<Key, byte[]> loaded) {
        synchronized (fetchedAhead) {
            loaded.forEach((key, value) -> {
                byte[] previous = fetchedAhead.put(key, value);
                fetchedAheadBytes += value.length - (previous == null ? 0 : previous.length);
            });
            var oldest = fetchedAhead.entrySet().iterator();
            while (fetchedAheadBytes > READ_AHEAD_BYTES && oldest.hasNext()) {
                fetchedAheadBytes -= oldest.next().getValue().length;
                oldest.remove();
            }
        }
    }

    private static Map<Key, byte[]> loadRuns(String objectId, Set<? extends Key> missing, Loader loader)
            throws IOException {
        TreeSet<Integer> segments = new TreeSet<>();
        missing.forEach(k -> segments.add(k.segment()));
        Map<Key, byte[]> loaded = new HashMap<>();
        while (!segments.isEmpty()) {
            int start = segments.first();
            int end = start;
            while (segments.contains(end + 1)) {
                end++;
            }
            byte[][] run = loader.load(start, end - start + 1);
            for (int i = 0; i < run.length; i++) {
                loaded.put(new Key(objectId, start + i), run[i]);
                segments.remove(start + i);
            }
        }
        return loaded;
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
                Map<Key, byte[]> loaded = loadRuns(objectId, missing, loader);
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

    public long weightedSize() {
        return cache.synchronous().policy().eviction().map(e -> e.weightedSize().orElse(0L)).orElse(0L);
    }
}
