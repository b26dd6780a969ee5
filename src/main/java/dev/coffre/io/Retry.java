package dev.coffre.io;

import dev.coffre.remote.IntegrityException;
import dev.coffre.remote.VaultException;
import dev.coffre.store.PermanentStoreException;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/** Retries of remote calls: exponential backoff with jitter for transient failures, none for permanent ones. */
public final class Retry {
    private static final Logger LOG = Logger.getLogger(Retry.class.getName());

    @FunctionalInterface
    public interface IoCall<T> {
        T call() throws IOException;
    }

    private final int attempts;
    private final long firstDelayMillis;
    private final long maxDelayMillis;
    private final AtomicLong retries = new AtomicLong();

    public Retry(int attempts, long firstDelayMillis, long maxDelayMillis) {
        this.attempts = attempts;
        this.firstDelayMillis = firstDelayMillis;
        this.maxDelayMillis = maxDelayMillis;
    }

    public <T> T run(String what, IoCall<T> call) throws IOException {
        long delay = firstDelayMillis;
        for (int attempt = 1; ; attempt++) {
            try {
                return call.call();
            } catch (IOException e) {
                if (isPermanent(e) || attempt >= attempts) {
                    throw e;
                }
                retries.incrementAndGet();
                long sleep = delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1);
                LOG.fine(() -> what + " failed (" + e.getMessage() + "); retrying in " + sleep + " ms");
                try {
                    Thread.sleep(sleep);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                delay = Math.min(maxDelayMillis, delay * 2);
            }
        }
    }

    public long retries() {
        return retries.get();
    }

    /** Failures that no retry can fix: the user has to act (permissions, quota, another writer). */
    public static boolean isPermanent(IOException e) {
        return e instanceof PermanentStoreException || e instanceof AccessDeniedException
                || e instanceof IntegrityException || e instanceof VaultException
                || String.valueOf(e.getMessage()).contains("No space left on device");
    }
}
