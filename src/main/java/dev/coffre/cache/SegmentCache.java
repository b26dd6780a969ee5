package dev.coffre.cache;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
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
        List<Key> keys = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            keys.add(new Key(objectId, first + i));
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
        byte[][] out = new byte[count][];
        for (int i = 0; i < count; i++) {
            out[i] = found.get(keys.get(i));
        }
        hits.addAndGet(count);
        return out;
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
                return loadRuns(objectId, missing, loader);
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
