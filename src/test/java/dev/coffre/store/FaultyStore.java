package dev.coffre.store;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fault injection at the ObjectStore boundary: passes calls to a real store, but fails a chosen fraction
 * of writes with a transient error, or every write permanently (access denied), or stalls. Not a mock:
 * whatever gets through is really stored. Counts block uploads that got through.
 */
public final class FaultyStore extends ForwardingStore {
    private final Random random = new Random(42);
    private volatile double transientFailureRate;
    private volatile boolean permanentlyDenied;
    private volatile long stallMillis;
    public final AtomicLong blockPuts = new AtomicLong();
    /** Block uploads under way (stall included), and the most there were at once. */
    private final AtomicInteger blockPutsInFlight = new AtomicInteger();
    public final AtomicInteger mostBlockPutsAtOnce = new AtomicInteger();
    public final AtomicLong injectedFailures = new AtomicLong();

    public FaultyStore(ObjectStore inner) {
        super(inner);
    }

    public void failTransiently(double rate) {
        transientFailureRate = rate;
    }

    public void denyWrites(boolean denied) {
        permanentlyDenied = denied;
    }

    public void stall(long millis) {
        stallMillis = millis;
    }

    private void maybeFail(String key) throws IOException {
        if (stallMillis > 0) {
            try {
                Thread.sleep(stallMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (permanentlyDenied) {
            injectedFailures.incrementAndGet();
            throw new AccessDeniedException(key, null, "injected: access denied");
        }
        boolean fail;
        synchronized (random) {
            fail = random.nextDouble() < transientFailureRate;
        }
        if (fail) {
            injectedFailures.incrementAndGet();
            throw new IOException("injected: connection reset writing " + key);
        }
    }

    @Override
    public void put(String key, byte[] data, int length) throws IOException {
        boolean block = key.startsWith("blocks/");
        if (block) {
            mostBlockPutsAtOnce.accumulateAndGet(blockPutsInFlight.incrementAndGet(), Math::max);
        }
        try {
            maybeFail(key);
            inner.put(key, data, length);
        } finally {
            if (block) {
                blockPutsInFlight.decrementAndGet();
            }
        }
        if (block) {
            blockPuts.incrementAndGet();
        }
    }

    @Override
    public boolean putIfAbsent(String key, byte[] data) throws IOException {
        maybeFail(key);
        return inner.putIfAbsent(key, data);
    }

}
