package dev.coffre.io;

import dev.coffre.cache.SegmentCache;
import dev.coffre.remote.BlockRef;
import dev.coffre.remote.Remote;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The content of one regular file while it has open handles (one instance per inode, shared by its
 * handles). Reads come from committed blocks through the segment cache; writes go to a sparse staging
 * file on local disk, block by block, so memory use does not grow with file size. {@link #flush()}
 * encrypts and uploads the changed blocks, then commits the new block list (content before metadata).
 *
 * <p>Concurrency: every method takes {@code lock}. The lock order is OpenFile lock, then the VFS tree
 * lock (taken inside {@link ContentCommitter}); never the other way round. {@link #size()} and
 * {@link #pendingMtime()} are readable without the lock, for getattr.
 *
 * <p>Invariant: staging bytes outside dirty blocks are zeros or absent (staging is truncated with the
 * file and emptied after each successful flush).
 */
public final class OpenFile {
    private static final Logger LOG = Logger.getLogger(OpenFile.class.getName());

    // Immutable.
    private final long ino;
    private final Remote remote;
    private final SegmentCache cache;
    private final ContentCommitter committer;
    private final Path stagingDir;
    private final ExecutorService uploads;
    private final ReentrantLock lock = new ReentrantLock();

    // Guarded by lock.
    private List<BlockRef> blocks;
    private final TreeSet<Integer> dirty = new TreeSet<>();
    private final List<BlockRef> deleteAfterCommit = new ArrayList<>();
    private FileChannel staging;
    private Path stagingPath;
    private boolean changed;

    // Written under lock, read without.
    private volatile long size;
    private volatile Long pendingMtime;

    public OpenFile(long ino, long size, List<BlockRef> blocks, Remote remote, SegmentCache cache,
                    ContentCommitter committer, Path stagingDir, ExecutorService uploads) {
        this.ino = ino;
        this.size = size;
        this.blocks = new ArrayList<>(blocks);
        this.remote = remote;
        this.cache = cache;
        this.committer = committer;
        this.stagingDir = stagingDir;
        this.uploads = uploads;
    }

    public long size() {
        return size;
    }

    /** The mtime that the next flush will commit, or null when the file has no unflushed writes. */
    public Long pendingMtime() {
        return pendingMtime;
    }

    /** An explicit utimens wins over the mtime of earlier writes. */
    public void clearPendingMtime() {
        pendingMtime = null;
    }

    public int read(long offset, byte[] dst, int dstOffset, int length) throws IOException {
        lock.lock();
        try {
            long currentSize = size;
            if (offset >= currentSize || length <= 0) {
                return 0;
            }
            int total = (int) Math.min(length, currentSize - offset);
            int done = 0;
            while (done < total) {
                long position = offset + done;
                int block = Offsets.blockIndex(position);
                int inBlock = (int) (position - Offsets.blockStart(block));
                int n = Math.min(total - done, Offsets.BLOCK - inBlock);
                if (dirty.contains(block)) {
                    readStaging(position, dst, dstOffset + done, n);
                } else {
                    readCommitted(block, inBlock, dst, dstOffset + done, n);
                }
                done += n;
            }
            return total;
        } finally {
            lock.unlock();
        }
    }

    public void write(long offset, byte[] src, int srcOffset, int length, long nowNanos) throws IOException {
        lock.lock();
        try {
            long end = offset + length;
            for (int block = Offsets.blockIndex(offset); length > 0 && block <= Offsets.blockIndex(end - 1); block++) {
                long blockStart = Offsets.blockStart(block);
                stage(block, (int) Math.max(0, offset - blockStart), (int) Math.min(Offsets.BLOCK, end - blockStart));
            }
            writeStaging(offset, src, srcOffset, length);
            if (end > size) {
                size = end;
            }
            pendingMtime = nowNanos;
            changed = true;
        } finally {
            lock.unlock();
        }
    }

    public void truncate(long newSize, long nowNanos) throws IOException {
        lock.lock();
        try {
            if (newSize < size) {
                int keep = Offsets.blockCount(newSize);
                while (blocks.size() > keep) {
                    BlockRef dropped = blocks.remove(blocks.size() - 1);
                    if (dropped != null) {
                        deleteAfterCommit.add(dropped);
                    }
                }
                dirty.removeIf(block -> block >= keep);
                int lastBlock = keep - 1;
                int lastLength = keep == 0 ? 0 : Offsets.blockLength(newSize, lastBlock);
                if (keep > 0 && !dirty.contains(lastBlock)) {
                    BlockRef ref = blockRef(lastBlock);
                    if (ref != null && ref.length() > lastLength) {
                        // The object holds bytes past the new end: rewrite it, or growing the file later
                        // would bring them back instead of zeros.
                        stage(lastBlock, lastLength, lastLength);
                    }
                }
                if (staging != null) {
                    staging.truncate(newSize);
                }
            }
            size = newSize;
            pendingMtime = nowNanos;
            changed = true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Uploads changed blocks and commits the new content. Returns when both are durable on the remote,
     * or throws, leaving the changes staged so that a later flush can try again.
     */
    public void flush() throws IOException {
        lock.lock();
        try {
            if (!changed) {
                return;
            }
            List<BlockRef> newBlocks = new ArrayList<>(blocks);
            while (newBlocks.size() < Offsets.blockCount(size)) {
                newBlocks.add(null);
            }
            List<BlockRef> uploaded = uploadDirtyBlocks(newBlocks);
            while (!newBlocks.isEmpty() && newBlocks.get(newBlocks.size() - 1) == null) {
                newBlocks.remove(newBlocks.size() - 1);
            }
            boolean committed;
            try {
                committed = committer.commitContent(ino, size, newBlocks, pendingMtime);
            } catch (IOException | RuntimeException e) {
                deleteQuietly(uploaded);
                throw e;
            }
            if (!committed) {
                deleteQuietly(uploaded);
                return;
            }
            for (int block : dirty) {
                BlockRef old = blockRef(block);
                if (old != null) {
                    deleteAfterCommit.add(old);
                }
            }
            blocks = newBlocks;
            dirty.clear();
            if (staging != null) {
                staging.truncate(0);
            }
            pendingMtime = null;
            changed = false;
            deleteQuietly(deleteAfterCommit);
            deleteAfterCommit.clear();
        } finally {
            lock.unlock();
        }
    }

    /** Closes the staging file; returns every block object of the file, for a file deleted while open. */
    public List<BlockRef> close() {
        lock.lock();
        try {
            closeStaging();
            List<BlockRef> all = new ArrayList<>(deleteAfterCommit);
            blocks.stream().filter(b -> b != null).forEach(all::add);
            return all;
        } finally {
            lock.unlock();
        }
    }

    // ---- reading ----

    private BlockRef blockRef(int block) {
        return block < blocks.size() ? blocks.get(block) : null;
    }

    private void readCommitted(int block, int inBlock, byte[] dst, int dstOffset, int n) throws IOException {
        BlockRef ref = blockRef(block);
        int available = ref == null ? 0 : Math.max(0, Math.min(n, ref.length() - inBlock));
        if (available > 0) {
            int first = Offsets.segmentIndex(inBlock);
            int last = Offsets.segmentIndex(inBlock + available - 1);
            byte[][] segments = cache.get(ref.id(), first, last - first + 1,
                    (from, count) -> remote.readSegments(ino, block, ref, from, count));
            int copied = 0;
            for (int i = 0; i < segments.length; i++) {
                int segmentStart = (first + i) * Offsets.SEGMENT;
                int from = Math.max(inBlock, segmentStart) - segmentStart;
                int count = Math.min(available - copied, segments[i].length - from);
                System.arraycopy(segments[i], from, dst, dstOffset + copied, count);
                copied += count;
            }
        }
        Arrays.fill(dst, dstOffset + available, dstOffset + n, (byte) 0);
    }

    private void readStaging(long position, byte[] dst, int dstOffset, int n) throws IOException {
        int done = 0;
        if (staging != null) {
            ByteBuffer buffer = ByteBuffer.wrap(dst, dstOffset, n);
            while (buffer.hasRemaining()) {
                int read = staging.read(buffer, position + buffer.position() - dstOffset);
                if (read < 0) {
                    break;
                }
            }
            done = buffer.position() - dstOffset;
        }
        Arrays.fill(dst, dstOffset + done, dstOffset + n, (byte) 0);
    }

    // ---- writing ----

    /**
     * Makes {@code block} dirty. Its committed bytes are copied to staging first unless the coming write
     * covers all of them ({@code writeFrom..writeTo} within the block): a full-block write skips the load.
     */
    private void stage(int block, int writeFrom, int writeTo) throws IOException {
        if (dirty.contains(block)) {
            return;
        }
        BlockRef ref = blockRef(block);
        int valid = ref == null ? 0 : Math.min(ref.length(), Offsets.blockLength(size, block));
        boolean covered = writeFrom == 0 && writeTo >= valid;
        if (valid > 0 && !covered) {
            byte[] committed = new byte[valid];
            readCommitted(block, 0, committed, 0, valid);
            writeStaging(Offsets.blockStart(block), committed, 0, valid);
        }
        dirty.add(block);
    }

    private void writeStaging(long position, byte[] src, int srcOffset, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(src, srcOffset, length);
        FileChannel channel = staging();
        while (buffer.hasRemaining()) {
            channel.write(buffer, position + buffer.position() - srcOffset);
        }
    }

    private FileChannel staging() throws IOException {
        if (staging == null) {
            Files.createDirectories(stagingDir);
            stagingPath = Files.createTempFile(stagingDir, ino + "-", ".staging");
            staging = FileChannel.open(stagingPath, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
        return staging;
    }

    private void closeStaging() {
        if (staging != null) {
            try {
                staging.close();
                Files.deleteIfExists(stagingPath);
            } catch (IOException e) {
                LOG.log(Level.WARNING, "could not remove staging file " + stagingPath, e);
            }
            staging = null;
        }
    }

    // ---- uploading ----

    /** Uploads every dirty block in parallel into {@code newBlocks}; returns what was uploaded. */
    private List<BlockRef> uploadDirtyBlocks(List<BlockRef> newBlocks) throws IOException {
        List<Integer> order = new ArrayList<>(dirty);
        List<Future<BlockRef>> futures = new ArrayList<>();
        for (int block : order) {
            int length = Offsets.blockLength(size, block);
            futures.add(uploads.submit(() -> uploadBlock(block, length)));
        }
        List<BlockRef> uploaded = new ArrayList<>();
        IOException failure = null;
        for (int i = 0; i < futures.size(); i++) {
            try {
                BlockRef ref = futures.get(i).get();
                newBlocks.set(order.get(i), ref);
                if (ref != null) {
                    uploaded.add(ref);
                }
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = new IOException("interrupted while uploading");
            }
        }
        if (failure != null) {
            deleteQuietly(uploaded);
            throw failure;
        }
        return uploaded;
    }

    /** Encrypts and stores one staged block; an all-zero block becomes a hole and stores nothing. */
    private BlockRef uploadBlock(int block, int length) throws IOException {
        byte[] plain = new byte[length];
        readStaging(Offsets.blockStart(block), plain, 0, length);
        if (isAllZero(plain)) {
            return null;
        }
        return remote.upload(ino, block, plain, 0, length);
    }

    private static boolean isAllZero(byte[] bytes) {
        for (byte b : bytes) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private void deleteQuietly(List<BlockRef> refs) {
        for (BlockRef ref : refs) {
            try {
                remote.delete(ref);
            } catch (IOException e) {
                LOG.log(Level.WARNING, "could not delete unreferenced block object " + ref.id()
                        + " (coffre check lists such objects)", e);
            }
        }
    }
}
