package dev.coffre.io;

import dev.coffre.cache.SegmentCache;
import dev.coffre.remote.BlockRef;
import dev.coffre.remote.Remote;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The content of one regular file while it has open handles (one instance per inode, shared by its
 * handles). Reads come from uploaded blocks through the segment cache, or from staged blocks on local
 * disk. A write goes to a staged block of its own (copied first from what the block held, unless the
 * write covers all of it), so memory use does not grow with file size. {@link #flush()} makes the staged
 * blocks durable and publishes them: the new block list goes to the tree and the pending log, and the
 * write-back uploads them later. A block written from its start to its end without a gap is handed to
 * {@link EarlyUploads} at once, so that a large file is mostly uploaded by the time it is flushed; such a
 * block is frozen, and a later write to it goes to a copy.
 *
 * <p>Concurrency: every method takes {@code lock}. Lock order: OpenFile lock, then the VFS tree lock
 * (taken inside {@link ContentCommitter}). {@link #size()} and {@link #pendingMtime()} are readable
 * without the lock, for getattr.
 */
public final class OpenFile {
    // Immutable.
    private final long ino;
    private final Remote remote;
    private final SegmentCache cache;
    private final ContentCommitter committer;
    private final StagingArea staging;
    private final EarlyUploads earlyUploads;
    private final ReentrantLock lock = new ReentrantLock();

    // Guarded by lock.
    /** The published blocks: uploaded refs, staged refs (immutable now), or null for holes. */
    private List<BlockRef> blocks;
    /** Blocks written since the last flush: block index to its (mutable) staged id. */
    private final TreeMap<Integer, String> dirty = new TreeMap<>();
    /** Dirty blocks written from their start without a gap so far: block index to the bytes written. */
    private final Map<Integer, Integer> filledFromStart = new HashMap<>();
    /** Dirty blocks handed to an early upload: frozen. */
    private final Set<String> handedOver = new HashSet<>();
    private boolean changed;

    // Written under lock, read without.
    private volatile long size;
    private volatile Long pendingMtime;

    public OpenFile(long ino, long size, List<BlockRef> blocks, Remote remote, SegmentCache cache,
                    ContentCommitter committer, StagingArea staging, EarlyUploads earlyUploads) {
        this.ino = ino;
        this.size = size;
        this.blocks = new ArrayList<>(blocks);
        this.remote = remote;
        this.cache = cache;
        this.committer = committer;
        this.staging = staging;
        this.earlyUploads = earlyUploads;
    }

    public long size() {
        return size;
    }

    /** The mtime that the next flush will publish, or null when the file has no unflushed writes. */
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
                String dirtyId = dirty.get(block);
                if (dirtyId != null) {
                    staging.read(dirtyId, inBlock, dst, dstOffset + done, n);
                } else {
                    readPublished(block, inBlock, dst, dstOffset + done, n);
                }
                done += n;
            }
            return total;
        } finally {
            lock.unlock();
        }
    }

    /** Writes what remains of {@code src} at {@code offset}; {@code src} is read here and not kept. */
    public void write(long offset, java.nio.ByteBuffer src, long nowNanos) throws IOException {
        lock.lock();
        try {
            int length = src.remaining();
            int srcOffset = src.position();
            long end = offset + length;
            long position = offset;
            while (position < end) {
                int block = Offsets.blockIndex(position);
                long blockStart = Offsets.blockStart(block);
                int inBlock = (int) (position - blockStart);
                int n = (int) Math.min(end - position, Offsets.BLOCK - inBlock);
                String id = stage(block, inBlock, inBlock + n);
                staging.write(id, inBlock, src.slice(srcOffset + (int) (position - offset), n));
                noteFill(block, id, inBlock, inBlock + n);
                position += n;
            }
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
                    blocks.remove(blocks.size() - 1);
                }
                while (!dirty.isEmpty() && dirty.lastKey() >= keep) {
                    var dropped = dirty.pollLastEntry();
                    filledFromStart.remove(dropped.getKey());
                    drop(dropped.getValue());
                }
                if (keep > 0) {
                    int last = keep - 1;
                    int lastLength = Offsets.blockLength(newSize, last);
                    BlockRef ref = blockRef(last);
                    if (dirty.containsKey(last) || (ref != null && ref.length() > lastLength)) {
                        // Bytes past the new end must not come back if the file grows again.
                        staging.truncate(stage(last, lastLength, lastLength), lastLength);
                    }
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
     * Makes the written blocks durable on local disk and publishes them (tree and pending log). Returns
     * when a crash can no longer lose them; the upload happens later, in the write-back.
     */
    public void flush() throws IOException {
        lock.lock();
        try {
            if (!changed) {
                return;
            }
            List<BlockRef> published = new ArrayList<>(blocks);
            while (published.size() < Offsets.blockCount(size)) {
                published.add(null);
            }
            for (var entry : dirty.entrySet()) {
                staging.force(entry.getValue());
                published.set(entry.getKey(), StagingArea.ref(entry.getValue(), Offsets.blockLength(size, entry.getKey())));
            }
            while (!published.isEmpty() && published.get(published.size() - 1) == null) {
                published.remove(published.size() - 1);
            }
            if (!committer.commitContent(ino, size, published, pendingMtime)) {
                return; // Deleted while open: nothing to keep.
            }
            blocks = published;
            dirty.clear();
            filledFromStart.clear();
            handedOver.clear(); // published now, so immutable anyway
            pendingMtime = null;
            changed = false;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Starts fetching into the cache, in the background and one range per block (in parallel), the uploaded
     * content of {@code offset..offset+length}. Readers of those bytes then wait for these fetches rather
     * than start their own, within {@code prefetcher}'s bound on ranges in flight (beyond it nothing more is
     * fetched ahead: memory stays bounded).
     */
    public void prefetch(long offset, long length, Prefetcher prefetcher) {
        lock.lock();
        try {
            long end = Math.min(size, offset + length);
            long position = offset;
            while (position < end) {
                int block = Offsets.blockIndex(position);
                int inBlock = (int) (position - Offsets.blockStart(block));
                int n = (int) Math.min(end - position, Offsets.BLOCK - inBlock);
                BlockRef ref = blockRef(block);
                if (!dirty.containsKey(block) && ref != null && !StagingArea.isStaged(ref) && inBlock < ref.length()) {
                    int first = Offsets.segmentIndex(inBlock);
                    int last = Offsets.segmentIndex(Math.min(ref.length(), inBlock + n) - 1);
                    // One fetch per block touched: the read-ahead already asks in pieces worth one request.
                    if (!prefetcher.tryStart()) {
                        return;
                    }
                    var load = cache.prefetch(ref.id(), first, last - first + 1,
                            (f, c, into) -> remote.readSegments(ino, block, ref, f, c, into), prefetcher.executor());
                    if (load == null) {
                        prefetcher.finished();
                    } else {
                        load.whenComplete((done, error) -> prefetcher.finished());
                    }
                }
                position += n;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Drops blocks written but never published (the last handle is gone). */
    public void close() {
        lock.lock();
        try {
            dirty.values().forEach(this::drop);
            dirty.clear();
            filledFromStart.clear();
        } finally {
            lock.unlock();
        }
    }

    /** Staged blocks this file still reads from or writes to. */
    public Set<String> stagedInUse() {
        lock.lock();
        try {
            Set<String> ids = new HashSet<>(dirty.values());
            for (BlockRef ref : blocks) {
                if (StagingArea.isStaged(ref)) {
                    ids.add(StagingArea.stagedId(ref));
                }
            }
            return ids;
        } finally {
            lock.unlock();
        }
    }

    // ---- internals ----

    private BlockRef blockRef(int block) {
        return block < blocks.size() ? blocks.get(block) : null;
    }

    private void readPublished(int block, int inBlock, byte[] dst, int dstOffset, int n) throws IOException {
        BlockRef ref = blockRef(block);
        int available = ref == null ? 0 : Math.max(0, Math.min(n, ref.length() - inBlock));
        if (available > 0 && StagingArea.isStaged(ref)) {
            staging.read(StagingArea.stagedId(ref), inBlock, dst, dstOffset, available);
        } else if (available > 0) {
            int first = Offsets.segmentIndex(inBlock);
            int last = Offsets.segmentIndex(inBlock + available - 1);
            try (SegmentCache.Pinned segments = cache.get(ref.id(), first, last - first + 1,
                    (from, count, into) -> remote.readSegments(ino, block, ref, from, count, into))) {
                int copied = 0;
                for (int i = 0; i < segments.count(); i++) {
                    int segmentStart = (first + i) * Offsets.SEGMENT;
                    int from = Math.max(inBlock, segmentStart) - segmentStart;
                    int count = Math.min(available - copied, segments.length(i) - from);
                    segments.copy(i, from, dst, dstOffset + copied, count);
                    copied += count;
                }
            }
        }
        Arrays.fill(dst, dstOffset + available, dstOffset + n, (byte) 0);
    }

    /**
     * Returns the dirty staged block for {@code block}, creating it. What the block held is copied in first
     * unless the coming write ({@code writeFrom..writeTo} within the block) covers all of it: a full-block
     * write skips the load.
     */
    private String stage(int block, int writeFrom, int writeTo) throws IOException {
        String id = dirty.get(block);
        if (id != null && !handedOver.contains(id)) {
            return id;
        }
        String frozen = id;
        id = staging.create();
        dirty.put(block, id);
        if (frozen != null) {
            // Being uploaded early, so it must not change: the write goes to a copy, and that upload is dropped.
            if (!(writeFrom == 0 && writeTo >= Offsets.BLOCK)) {
                byte[] content = staging.readAll(frozen, Offsets.BLOCK);
                staging.write(id, 0, content, 0, content.length);
            }
            drop(frozen);
            return id;
        }
        BlockRef ref = blockRef(block);
        int valid = ref == null ? 0 : Math.min(ref.length(), Offsets.blockLength(size, block));
        if (valid > 0 && !(writeFrom == 0 && writeTo >= valid)) {
            byte[] previous = new byte[valid];
            readPublished(block, 0, previous, 0, valid);
            staging.write(id, 0, previous, 0, valid);
        } else {
            filledFromStart.put(block, 0);
        }
        return id;
    }

    /**
     * Follows blocks written from their start without a gap (a file written front to back). A block so written
     * to its end will not change any more in the usual case: its upload starts now rather than after the flush.
     */
    private void noteFill(int block, String id, int from, int to) {
        Integer filled = filledFromStart.get(block);
        if (filled == null) {
            return;
        }
        if (filled != from) {
            filledFromStart.remove(block); // a gap or a rewrite: not a front-to-back write
        } else if (to < Offsets.BLOCK) {
            filledFromStart.put(block, to);
        } else {
            filledFromStart.remove(block);
            handedOver.add(id);
            staging.finishWriting(id);
            earlyUploads.start(ino, block, id, Offsets.BLOCK);
        }
    }

    /** Deletes a dirty block that will never be published, and what an early upload of it stored. */
    private void drop(String id) {
        if (handedOver.remove(id)) {
            earlyUploads.abandon(id);
        }
        staging.delete(id);
    }
}
