package dev.coffre.store;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;

/**
 * A flat namespace of immutable-ish objects: the only thing coffre asks of a storage service.
 * Keys are ASCII paths such as {@code journal/0000000000000001}; implementations must be thread-safe.
 */
public interface ObjectStore extends Closeable {

    /** Whole object; {@link ObjectNotFoundException} when absent. */
    byte[] get(String key) throws IOException;

    /**
     * Up to {@code length} bytes from {@code offset}, into {@code into} from index 0; returns the bytes read,
     * fewer only when the object ends first (a truncated object shows up here as a short answer, which callers
     * must treat as corruption). Keeps no reference to {@code into} once it returns: callers reuse arrays.
     */
    int getRangeInto(String key, long offset, int length, byte[] into) throws IOException;

    /** As {@link #getRangeInto}, into an array of the bytes read. */
    default byte[] getRange(String key, long offset, int length) throws IOException {
        byte[] into = new byte[length];
        int read = getRangeInto(key, offset, length, into);
        return read == length ? into : java.util.Arrays.copyOf(into, read);
    }

    /**
     * Creates or replaces atomically with the first {@code length} bytes of {@code data}: readers see the old
     * or the new object, never a part. Keeps no reference to {@code data} once it returns: callers reuse arrays.
     */
    void put(String key, byte[] data, int length) throws IOException;

    /** As {@link #put(String, byte[], int)} with all of {@code data}. */
    default void put(String key, byte[] data) throws IOException {
        put(key, data, data.length);
    }

    /** Creates atomically only when absent; returns false, changing nothing, when the key exists. */
    boolean putIfAbsent(String key, byte[] data) throws IOException;

    /**
     * Whether {@link #putIfAbsent} is known to be atomic even against concurrent writers. Where it is not
     * known, the vault verifies each claimed journal record by reading it back.
     */
    default boolean atomicCreate() {
        return false;
    }

    /** Keys that start with {@code prefix}, in no particular order. */
    List<String> list(String prefix) throws IOException;

    /** Deletes; deleting an absent key is not an error. */
    void delete(String key) throws IOException;

    /** Space the store reports, for {@code statfs}; unknown sizes are reported as very large. */
    SpaceInfo space() throws IOException;

    /** A short human-readable name for messages, never containing a secret. */
    String describe();

    record SpaceInfo(long totalBytes, long freeBytes) {
    }

    @Override
    default void close() throws IOException {
    }
}
