package dev.coffre.remote.mega;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Plaintext chunks fetched but only partly returned, kept briefly within a byte budget (least recently used
 * goes first): the rest of a chunk read 64 KiB at a time, or the part of a chunk that reaches over the edge
 * of the 4 MiB block that fetched it, which the neighbouring block then finds here instead of fetching
 * the chunk again. Its chunks' MACs were recorded when they were fetched. Thread-safe.
 */
final class RecentChunks {
    record Key(String handle, long chunk) {
    }

    private final long budget;
    // Guarded by this.
    private final LinkedHashMap<Key, byte[]> chunks = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;

    RecentChunks(long budgetBytes) {
        this.budget = budgetBytes;
    }

    synchronized byte[] get(String handle, long chunk) {
        return chunks.get(new Key(handle, chunk));
    }

    synchronized void put(String handle, long chunk, byte[] plaintext) {
        byte[] old = chunks.put(new Key(handle, chunk), plaintext);
        bytes += plaintext.length - (old == null ? 0 : old.length);
        Iterator<Map.Entry<Key, byte[]>> eldest = chunks.entrySet().iterator();
        while (bytes > budget && eldest.hasNext()) {
            bytes -= eldest.next().getValue().length;
            eldest.remove();
        }
    }

    /** Drops every chunk of a file (it failed its MAC). */
    synchronized void forget(String handle) {
        Iterator<Map.Entry<Key, byte[]>> all = chunks.entrySet().iterator();
        while (all.hasNext()) {
            Map.Entry<Key, byte[]> e = all.next();
            if (e.getKey().handle().equals(handle)) {
                bytes -= e.getValue().length;
                all.remove();
            }
        }
    }

    synchronized long bytes() {
        return bytes;
    }
}
