package dev.coffre.store;

import java.io.IOException;
import java.util.List;

/** Passes every call to a real store; test wrappers override what they observe or disturb. */
abstract class ForwardingStore implements ObjectStore {
    protected final ObjectStore inner;

    ForwardingStore(ObjectStore inner) {
        this.inner = inner;
    }

    @Override
    public byte[] get(String key) throws IOException {
        return inner.get(key);
    }

    @Override
    public int getRangeInto(String key, long offset, int length, byte[] into) throws IOException {
        return inner.getRangeInto(key, offset, length, into);
    }

    @Override
    public void put(String key, byte[] data, int length) throws IOException {
        inner.put(key, data, length);
    }

    @Override
    public boolean putIfAbsent(String key, byte[] data) throws IOException {
        return inner.putIfAbsent(key, data);
    }

    @Override
    public boolean atomicCreate() {
        return inner.atomicCreate();
    }

    @Override
    public List<String> list(String prefix) throws IOException {
        return inner.list(prefix);
    }

    @Override
    public void delete(String key) throws IOException {
        inner.delete(key);
    }

    @Override
    public SpaceInfo space() throws IOException {
        return inner.space();
    }

    @Override
    public String describe() {
        return inner.describe();
    }
}
