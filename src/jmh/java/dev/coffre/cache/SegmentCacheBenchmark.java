package dev.coffre.cache;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@link SegmentCache#get} when every segment asked for is cached: the cost a warm read pays per segment
 * (lookup, pinning and release, copying 4 KiB out), on one thread and on four sharing the cache.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class SegmentCacheBenchmark {
    private static final int SEGMENT_BYTES = 64 * 1024;
    /** 16 MiB of segments, well inside the budget, so that nothing is evicted. */
    private static final int SEGMENTS = 256;
    private static final String OBJECT = "benchmark-object";
    private static final SegmentCache.Loader NEVER = (first, count, into) -> {
        throw new IllegalStateException("a hit benchmark had to load segments " + first + "+" + count);
    };

    private SegmentCache cache;

    /** Each thread walks the cached segments from its own starting point. */
    @State(Scope.Thread)
    public static class Cursor {
        private static final AtomicInteger THREADS = new AtomicInteger();
        private int next;
        final byte[] out = new byte[4096];

        @Setup
        public void start() {
            next = (THREADS.getAndIncrement() * 61) % SEGMENTS;
        }

        int advance() {
            next = (next + 1) % SEGMENTS;
            return next;
        }
    }

    @Setup
    public void fill() throws IOException {
        cache = new SegmentCache(64L << 20);
        byte[] segment = new byte[SEGMENT_BYTES];
        cache.get(OBJECT, 0, SEGMENTS, (first, count, into) -> {
            for (int i = 0; i < count; i++) {
                into.accept(i, segment, 0, segment.length);
            }
        }).close();
    }

    /** A 4 KiB read's copy out of one cached segment. */
    private byte[] read(Cursor cursor) throws IOException {
        try (SegmentCache.Pinned segment = cache.get(OBJECT, cursor.advance(), 1, NEVER)) {
            segment.copy(0, 0, cursor.out, 0, cursor.out.length);
            return cursor.out;
        }
    }

    @Benchmark
    @Threads(1)
    public byte[] getHit(Cursor cursor) throws IOException {
        return read(cursor);
    }

    @Benchmark
    @Threads(4)
    public byte[] getHit4Threads(Cursor cursor) throws IOException {
        return read(cursor);
    }
}
