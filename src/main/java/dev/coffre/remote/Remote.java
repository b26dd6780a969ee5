package dev.coffre.remote;

import dev.coffre.cache.SegmentCache;
import dev.coffre.store.ObjectStore;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What the filesystem needs from where the data lives: the metadata tree (load, commit) and file content
 * (read verified plaintext segments, upload blocks). Everything crossing this interface is plaintext;
 * encryption and verification happen inside. Implementations are thread-safe; {@link #commit} calls are
 * serialised by the caller.
 */
public interface Remote extends Closeable {
    /** Plaintext bytes per content block: files are cut into blocks of this size. */
    int BLOCK_SIZE = 4 * 1024 * 1024;
    /** Plaintext bytes per segment, the unit of verified random reads. */
    int SEGMENT_SIZE = 64 * 1024;

    /** What a remote can store beyond names, content and times (the vault: everything). */
    enum Feature {
        /** chmod, chown: modes and owners of their own. */
        PERMISSIONS,
        XATTRS,
        HARD_LINKS,
        SYMLINKS,
        /** Device nodes, FIFOs and sockets. */
        SPECIAL_FILES
    }

    /** Whether this remote stores {@code feature}; the filesystem refuses what it does not. */
    default boolean supports(Feature feature) {
        return true;
    }

    String describe();

    /** Replays the whole tree into {@code sink}, oldest first. */
    void load(Consumer<MetaOp> sink) throws IOException;

    /**
     * Stores one batch of operations atomically and durably, as the next record. Throws a
     * {@link VaultException} with reason CONFLICT when another client took that record first: call
     * {@link #fetchNew} and try again.
     */
    void commit(List<MetaOp> ops) throws IOException;

    /** Records that other clients committed since the last load, commit or fetch, in order (each a batch). */
    List<List<MetaOp>> fetchNew() throws IOException;

    /** Compacts the journal when it has grown; {@code tree} lists the current tree as operations. */
    void snapshotIfDue(Supplier<List<MetaOp>> tree) throws IOException;

    /** Verified plaintext of {@code count} consecutive segments of one block, starting at {@code firstSegment}. */
    byte[][] readSegments(long fileId, long blockIndex, BlockRef block, int firstSegment, int count) throws IOException;

    /**
     * The same segments, each handed to {@code into} once verified, in order: a remote may decrypt them all into
     * one array it reuses, where the array-returning form needs one new array a segment.
     */
    default void readSegments(long fileId, long blockIndex, BlockRef block, int firstSegment, int count,
                              SegmentCache.Sink into) throws IOException {
        byte[][] plaintext = readSegments(fileId, blockIndex, block, firstSegment, count);
        for (int i = 0; i < plaintext.length; i++) {
            into.accept(i, plaintext[i], 0, plaintext[i].length);
        }
    }

    /**
     * Encrypts and stores a new block object; nothing references it until a commit does. Keeps no reference to
     * {@code plaintext} once it returns: the caller reuses the array.
     */
    BlockRef upload(long fileId, long blockIndex, byte[] plaintext, int offset, int length) throws IOException;

    /** Where {@link #upload(long, long, PlaintextSource, int)} reads a block's plaintext from, piece by piece. */
    @FunctionalInterface
    interface PlaintextSource {
        /** Reads {@code length} bytes of the block from {@code position} into {@code into} at {@code offset}. */
        void read(int position, byte[] into, int offset, int length) throws IOException;
    }

    /**
     * As the array form, reading the plaintext from {@code source}: a remote may read it straight into the array
     * it uploads (the vault seals each segment in place) where the array form needs the whole block in a second
     * array. This default reads it into a new array.
     */
    default BlockRef upload(long fileId, long blockIndex, PlaintextSource source, int length) throws IOException {
        byte[] plaintext = new byte[length];
        source.read(0, plaintext, 0, length);
        return upload(fileId, blockIndex, plaintext, 0, length);
    }

    /** Deletes a block object that no committed metadata references any more. */
    void delete(BlockRef block) throws IOException;

    ObjectStore.SpaceInfo space() throws IOException;
}
