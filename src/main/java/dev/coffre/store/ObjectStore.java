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
     * Up to {@code length} bytes from {@code offset}; fewer only when the object ends first (a truncated
     * object shows up here as a short answer, which callers must treat as corruption).
     */
    byte[] getRange(String key, long offset, int length) throws IOException;

    /**
     * As {@link #getRange}, into {@code into} from index 0, for a caller that reuses one array for many reads;
     * returns the bytes read. Keeps no reference to {@code into} once it returns.
     */
    default int getRangeInto(String key, long offset, int length, byte[] into) throws IOException {
        byte[] bytes = getRange(key, offset, length);
        System.arraycopy(bytes, 0, into, 0, bytes.length);
        return bytes.length;
    }

    /** Creates or replaces atomically: readers see the old or the new object, never a part. */
    void put(String key, byte[] data) throws IOException;

    /**
     * As {@link #put(String, byte[])} with the first {@code length} bytes of {@code data}, for a caller that
     * reuses the array: keeps no reference to it once it returns.
     */
    default void put(String key, byte[] data, int length) throws IOException {
        put(key, length == data.length ? data : java.util.Arrays.copyOf(data, length));
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
