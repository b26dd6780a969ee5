package dev.coffre.remote.mega;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff for retried requests: the delay starts at {@code firstMillis}, doubles up to
 * {@code maxMillis}, with 0-50 % random jitter added (as the SDK's BackoffTimer), for at most
 * {@code attempts} tries in all. The sleeper is injectable so tests never wait.
 */
public record Backoff(int attempts, long firstMillis, long maxMillis, Sleeper sleeper) {
    @FunctionalInterface
    public interface Sleeper {
        void sleep(long millis) throws InterruptedException;
    }

    public static Backoff standard() {
        return new Backoff(10, 250, 60_000, Thread::sleep);
    }

    /** Delay before retry number {@code retry} (1 = first retry). */
    public long delayMillis(int retry) {
        long base = firstMillis;
        for (int i = 1; i < retry && base < maxMillis; i++) {
            base *= 2;
        }
        base = Math.min(base, maxMillis);
        return base + ThreadLocalRandom.current().nextLong(base / 2 + 1);
    }

    /** Sleeps before retry number {@code retry}; an interrupt becomes an {@link java.io.InterruptedIOException}. */
    public void pause(int retry) throws java.io.InterruptedIOException {
        try {
            sleeper.sleep(delayMillis(retry));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while waiting to retry a MEGA request");
        }
    }
}
