package dev.coffre.store;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;

/** Passes every call to a real store and counts what crosses it (not a mock: the data is really stored). */
public final class CountingStore extends ForwardingStore {
    public final AtomicLong rangeReads = new AtomicLong();
    public final AtomicLong bytesRead = new AtomicLong();
    public final AtomicLong puts = new AtomicLong();
    public final java.util.Map<String, AtomicLong> getsByFolder = new java.util.concurrent.ConcurrentHashMap<>();

    public CountingStore(ObjectStore inner) {
        super(inner);
    }

    @Override
    public byte[] get(String key) throws IOException {
        getsByFolder.computeIfAbsent(key.contains("/") ? key.substring(0, key.indexOf('/') + 1) : "",
                k -> new AtomicLong()).incrementAndGet();
        byte[] data = inner.get(key);
        bytesRead.addAndGet(data.length);
        return data;
    }

    @Override
    public int getRangeInto(String key, long offset, int length, byte[] into) throws IOException {
        int read = inner.getRangeInto(key, offset, length, into);
        rangeReads.incrementAndGet();
        bytesRead.addAndGet(read);
        return read;
    }

    @Override
    public void put(String key, byte[] data, int length) throws IOException {
        puts.incrementAndGet();
        inner.put(key, data, length);
    }

    @Override
    public boolean putIfAbsent(String key, byte[] data) throws IOException {
        puts.incrementAndGet();
        return inner.putIfAbsent(key, data);
    }

    public void reset() {
        rangeReads.set(0);
        bytesRead.set(0);
        puts.set(0);
    }
}
