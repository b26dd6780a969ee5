package dev.coffre.io;

import dev.coffre.remote.BlockRef;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Blocks written locally and not yet uploaded, one file each (at most one block of plaintext) in a folder
 * that only the owner can read. A staged block is mutable while it is a dirty block of an open file and
 * immutable once published (referenced by the tree); a later write copies it first.
 *
 * <p>In the tree and in the pending log a staged block appears as a {@link BlockRef} whose id is
 * {@value #PREFIX} followed by the staged id; the write-back replaces it with the uploaded block.
 * Thread-safe (each call opens its own channel).
 */
public final class StagingArea {
    public static final String PREFIX = "staged:";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path folder;
    private final AtomicLong bytes = new AtomicLong();
    /** Channels of blocks being written, kept open between writes (a write is often only 128 KiB). */
    private final java.util.concurrent.ConcurrentHashMap<String, FileChannel> writing = new java.util.concurrent.ConcurrentHashMap<>();
    /**
     * Writes finished blocks to disk ahead of their flush ({@link #finishWriting}). One thread, and none while
     * idle: the disk takes one stream of writes best, and most mounts are idle most of the time.
     */
    private final ExecutorService settler = new ThreadPoolExecutor(0, 1, 30, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(), runnable -> {
                Thread thread = new Thread(runnable, "coffre-staging-sync");
                thread.setDaemon(true);
                return thread;
            });

    public StagingArea(Path folder) throws IOException {
        this.folder = folder;
        Files.createDirectories(folder.getParent());
        if (!Files.exists(folder)) {
            Files.createDirectory(folder, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                bytes.addAndGet(Files.size(file));
            }
        }
    }

    public static boolean isStaged(BlockRef ref) {
        return ref != null && ref.id().startsWith(PREFIX);
    }

    public static String stagedId(BlockRef ref) {
        return ref.id().substring(PREFIX.length());
    }

    public static BlockRef ref(String id, int length) {
        return new BlockRef(PREFIX + id, length);
    }

    /** Creates an empty staged block and returns its id. */
    public String create() throws IOException {
        String id = HexFormat.of().formatHex(randomBytes());
        Files.createFile(path(id));
        return id;
    }

    /** Reads {@code n} bytes at {@code offset} in the block; bytes past the file's end read as zeros. */
    public void read(String id, int offset, byte[] dst, int dstOffset, int n) throws IOException {
        try (Reader reader = reader(id)) {
            reader.read(offset, dst, dstOffset, n);
        }
    }

    /** One staged block open for reading, for a caller that reads it piece by piece (an upload). */
    public Reader reader(String id) throws IOException {
        try {
            return new Reader(FileChannel.open(path(id), StandardOpenOption.READ));
        } catch (NoSuchFileException e) {
            throw new IOException("staged block " + id + " is missing from " + folder, e);
        }
    }

    /** A staged block open for reading; not thread-safe. */
    public static final class Reader implements AutoCloseable {
        private final FileChannel channel;

        private Reader(FileChannel channel) {
            this.channel = channel;
        }

        /** As {@link StagingArea#read}: bytes past the file's end read as zeros. */
        public void read(int offset, byte[] dst, int dstOffset, int n) throws IOException {
            ByteBuffer buffer = ByteBuffer.wrap(dst, dstOffset, n);
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, offset + (buffer.position() - dstOffset)) < 0) {
                    break;
                }
            }
            Arrays.fill(dst, buffer.position(), dstOffset + n, (byte) 0);
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    /** The whole content of a staged block of {@code length} bytes. */
    public byte[] readAll(String id, int length) throws IOException {
        byte[] data = new byte[length];
        read(id, 0, data, 0, length);
        return data;
    }

    public void write(String id, int offset, byte[] src, int srcOffset, int length) throws IOException {
        write(id, offset, ByteBuffer.wrap(src, srcOffset, length));
    }

    /**
     * Writes what remains of {@code src} at {@code offset} of the block. A direct buffer (a view of the kernel's
     * request, from the FUSE layer) goes to the file as it is; the JDK copies any other into one of its own first.
     */
    public void write(String id, int offset, ByteBuffer src) throws IOException {
        FileChannel channel = writing.get(id);
        if (channel == null) {
            channel = FileChannel.open(path(id), StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileChannel raced = writing.putIfAbsent(id, channel);
            if (raced != null) {
                channel.close();
                channel = raced;
            }
        }
        long before = channel.size();
        int start = src.position();
        while (src.hasRemaining()) {
            channel.write(src, offset + (src.position() - start));
        }
        bytes.addAndGet(Math.max(0, channel.size() - before));
    }

    public void truncate(String id, int length) throws IOException {
        try (FileChannel channel = FileChannel.open(path(id), StandardOpenOption.WRITE)) {
            long before = channel.size();
            channel.truncate(length);
            bytes.addAndGet(Math.min(0, length - before));
        }
    }

    /**
     * The block will not be written any more (a block of a file written front to back, filled to its end): its
     * writing ends, and its pages go to disk now, in the background, rather than all at once when the file is
     * flushed. A flush still forces it ({@link #force}), but finds little left to wait for: a 256 MiB file
     * closed with its staged blocks all dirty waited ~0.25 s for them here, after its last write.
     */
    public void finishWriting(String id) {
        FileChannel open = writing.remove(id);
        if (open == null) {
            return;
        }
        settler.execute(() -> {
            try (open) {
                open.force(true);
            } catch (IOException e) {
                // The flush forces the block again, and reports a failure to the writer.
            }
        });
    }

    /** Makes a staged block durable (after this a crash cannot lose it) and ends its writing. */
    public void force(String id) throws IOException {
        FileChannel open = writing.remove(id);
        try (FileChannel channel = open != null ? open : FileChannel.open(path(id), StandardOpenOption.WRITE)) {
            channel.force(true);
        }
    }

    public void delete(String id) {
        FileChannel open = writing.remove(id);
        if (open != null) {
            try {
                open.close();
            } catch (IOException ignored) {
                // Deleted next anyway.
            }
        }
        try {
            Path file = path(id);
            long size = Files.size(file);
            if (Files.deleteIfExists(file)) {
                bytes.addAndGet(-size);
            }
        } catch (IOException ignored) {
            // Already gone.
        }
    }

    /** Ids of every staged block on disk. */
    public Set<String> all() throws IOException {
        Set<String> ids = new HashSet<>();
        try (Stream<Path> files = Files.list(folder)) {
            files.forEach(p -> ids.add(p.getFileName().toString()));
        }
        return ids;
    }

    /** Bytes of staged blocks on disk. */
    public long bytes() {
        return bytes.get();
    }

    private Path path(String id) {
        return folder.resolve(id);
    }

    private static byte[] randomBytes() {
        byte[] id = new byte[16];
        RANDOM.nextBytes(id);
        return id;
    }
}
