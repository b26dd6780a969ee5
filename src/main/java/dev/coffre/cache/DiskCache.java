package dev.coffre.cache;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Immutable byte strings on local disk, one file each, within a byte budget, least recently used first
 * out. It outlives the process: at start it takes up what an earlier run left, oldest first by the files'
 * modification times. It holds ciphertext only (the caller stores sealed segments, which are authenticated
 * when read), so it is as safe at rest as the remote; a damaged file fails authentication and is dropped.
 *
 * <p>Keys are file names ([0-9a-z.-], at least 3 characters); the first two characters pick a folder.
 * Thread-safe; a failed disk write is logged and forgotten, never an error for the reader.
 */
public final class DiskCache {
    private static final Logger LOG = Logger.getLogger(DiskCache.class.getName());

    private final Path root;
    private final long budgetBytes;
    // Guarded by "this": key -> size, in access order (least recent first).
    private final LinkedHashMap<String, Long> entries = new LinkedHashMap<>(1024, 0.75f, true);
    private long totalBytes;
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();

    private DiskCache(Path root, long budgetBytes) {
        this.root = root;
        this.budgetBytes = budgetBytes;
    }

    /** Opens (creating if needed) the cache in {@code root}, owner-only, and takes up what it holds. */
    public static DiskCache open(Path root, long budgetBytes) throws IOException {
        Files.createDirectories(root, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        DiskCache cache = new DiskCache(root, budgetBytes);
        cache.load();
        return cache;
    }

    private void load() throws IOException {
        record Found(String key, long size, FileTime modified) {
        }
        List<Found> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root, 2)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                if (!Files.isRegularFile(file)) {
                    continue;
                }
                if (name.endsWith(".tmp")) {
                    Files.deleteIfExists(file); // Left by a crash in the middle of a write.
                    continue;
                }
                found.add(new Found(name, Files.size(file), Files.getLastModifiedTime(file)));
            }
        }
        found.sort((a, b) -> a.modified().compareTo(b.modified()));
        List<String> evicted;
        synchronized (this) {
            for (Found f : found) {
                entries.put(f.key(), f.size());
                totalBytes += f.size();
            }
            evicted = evict();
        }
        deleteFiles(evicted);
    }

    /** The bytes stored under {@code key}, if present and readable. */
    public Optional<byte[]> get(String key) {
        synchronized (this) {
            if (entries.get(key) == null) {
                misses.incrementAndGet();
                return Optional.empty();
            }
        }
        try {
            byte[] bytes = Files.readAllBytes(path(key));
            hits.incrementAndGet();
            return Optional.of(bytes);
        } catch (NoSuchFileException e) {
            forget(key);
        } catch (IOException e) {
            LOG.warning("disk cache: cannot read " + key + ": " + e.getMessage());
            remove(key);
        }
        misses.incrementAndGet();
        return Optional.empty();
    }

    /** Stores {@code length} bytes of {@code data} from {@code offset} under {@code key}. */
    public void put(String key, byte[] data, int offset, int length) {
        synchronized (this) {
            if (entries.containsKey(key) || length > budgetBytes) {
                return;
            }
        }
        Path target = path(key);
        Path temp = target.resolveSibling(key + "." + Thread.currentThread().getId() + ".tmp");
        try {
            Files.createDirectories(target.getParent());
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buffer = ByteBuffer.wrap(data, offset, length);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            }
            // A reader never sees a half-written entry: the name appears complete or not at all.
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | UncheckedIOException e) {
            LOG.warning("disk cache: cannot store " + key + " (" + e.getMessage() + "); continuing without it");
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // Nothing more to do; the next start removes *.tmp files.
            }
            return;
        }
        List<String> evicted;
        synchronized (this) {
            if (entries.put(key, (long) length) == null) {
                totalBytes += length;
            }
            evicted = evict();
        }
        deleteFiles(evicted);
    }

    /** Drops an entry that turned out to be damaged. */
    public void remove(String key) {
        forget(key);
        deleteFiles(List.of(key));
    }

    private synchronized void forget(String key) {
        Long size = entries.remove(key);
        if (size != null) {
            totalBytes -= size;
        }
    }

    /**
     * Takes the oldest entries out of the index until it fits the budget; returns their keys, whose files the
     * caller deletes after releasing the lock (readers and writers of other entries need not wait for the disk).
     * Called with the lock held.
     */
    private List<String> evict() {
        List<String> evicted = new ArrayList<>();
        Iterator<Map.Entry<String, Long>> oldest = entries.entrySet().iterator();
        while (totalBytes > budgetBytes && oldest.hasNext()) {
            Map.Entry<String, Long> entry = oldest.next();
            evicted.add(entry.getKey());
            totalBytes -= entry.getValue();
            oldest.remove();
        }
        return evicted;
    }

    /**
     * Deletes the files of entries no longer in the index. If one was stored again meanwhile, its new file may
     * go too: a later get finds it missing, forgets it and counts a miss.
     */
    private void deleteFiles(List<String> keys) {
        for (String key : keys) {
            try {
                Files.deleteIfExists(path(key));
            } catch (IOException e) {
                LOG.warning("disk cache: cannot delete " + key + ": " + e.getMessage());
            }
        }
    }

    private Path path(String key) {
        return root.resolve(key.substring(0, 2)).resolve(key);
    }

    public synchronized long bytes() {
        return totalBytes;
    }

    public long budgetBytes() {
        return budgetBytes;
    }

    public long hits() {
        return hits.get();
    }

    public long misses() {
        return misses.get();
    }
}
