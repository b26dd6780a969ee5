package dev.coffre.crypto;

import javax.crypto.AEADBadTagException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Encryption of one content block object (format v1, see docs/FORMAT.md).
 *
 * <p>A block object holds up to 4 MiB of plaintext cut into 64 KiB segments, each sealed on its own with
 * AES-256-GCM so that a random read fetches and verifies only the segments it needs. Every block object
 * has a fresh random id and its own key, derived from the content key and that id; the nonce is the
 * segment index. A key therefore never seals two segments with one nonce, and no random nonce can collide.
 * The AAD binds vault, file, block index, segment index and a last-segment flag, so swapped, reordered
 * or truncated objects fail authentication.
 */
public final class BlockCipher {
    public static final int SEGMENT_SIZE = 64 * 1024;
    public static final int SEALED_SEGMENT_SIZE = SEGMENT_SIZE + Aead.TAG_BYTES;
    public static final int BLOCK_ID_BYTES = 16;

    private static final byte[] KEY_INFO = "coffre block key v1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] AAD_PREFIX = "coffre segment v1".getBytes(StandardCharsets.US_ASCII);

    private BlockCipher() {
    }

    /** Where one file's block lives and what it is bound to. */
    public record BlockContext(byte[] vaultId, long fileId, long blockIndex) {
    }

    public static byte[] blockKey(byte[] contentKey, byte[] blockId) {
        if (blockId.length != BLOCK_ID_BYTES) {
            throw new IllegalArgumentException("block id must be " + BLOCK_ID_BYTES + " bytes");
        }
        return Kdf.hkdfSha256(contentKey, blockId, KEY_INFO, Aead.KEY_BYTES);
    }

    public static int segmentCount(int plaintextLength) {
        return (plaintextLength + SEGMENT_SIZE - 1) / SEGMENT_SIZE;
    }

    public static long sealedLength(int plaintextLength) {
        return plaintextLength + (long) segmentCount(plaintextLength) * Aead.TAG_BYTES;
    }

    /** Seals {@code length} plaintext bytes (at most one block) into the bytes of a block object. */
    public static byte[] seal(byte[] blockKey, BlockContext context, byte[] plaintext, int offset, int length) {
        byte[] out = new byte[(int) sealedLength(length)];
        sealInto(blockKey, context, plaintext, offset, length, out);
        return out;
    }

    /**
     * As {@link #seal}, into the start of {@code out} (at least {@link #sealedLength} bytes), for a caller that
     * reuses one array; returns the sealed length.
     */
    public static int sealInto(byte[] blockKey, BlockContext context, byte[] plaintext, int offset, int length,
                               byte[] out) {
        return sealSegments(blockKey, context, plaintext, offset, SEGMENT_SIZE, length, out);
    }

    /**
     * As {@link #sealInto}, in place: {@code block} holds each segment's plaintext where its sealed form goes
     * (segment i from i × {@link #SEALED_SEGMENT_SIZE}), so that a caller can read a block into the array it
     * uploads, with no second array for the plaintext. Returns the sealed length.
     */
    public static int sealInPlace(byte[] blockKey, BlockContext context, byte[] block, int length) {
        return sealSegments(blockKey, context, block, 0, SEALED_SEGMENT_SIZE, length, block);
    }

    /**
     * Seals the segments of a block of {@code length} plaintext bytes, segment i read from {@code in} at
     * {@code inOffset} + i × {@code inStride}, into {@code out} at i × {@link #SEALED_SEGMENT_SIZE}.
     */
    private static int sealSegments(byte[] blockKey, BlockContext context, byte[] in, int inOffset, int inStride,
                                    int length, byte[] out) {
        int segments = segmentCount(length);
        for (int segment = 0; segment < segments; segment++) {
            int segmentLength = Math.min(SEGMENT_SIZE, length - segment * SEGMENT_SIZE);
            Aead.sealInto(blockKey, nonce(segment), aad(context, segment, segment == segments - 1),
                    in, inOffset + segment * inStride, segmentLength, out, segment * SEALED_SEGMENT_SIZE);
        }
        return (int) sealedLength(length);
    }

    /**
     * Opens one sealed segment ({@code length} bytes of {@code sealed} from {@code offset}, tag included).
     * {@code last} must say whether the segment is the block's final one, as the metadata records it.
     */
    public static byte[] openSegment(byte[] blockKey, BlockContext context, int segment, boolean last,
                                     byte[] sealed, int offset, int length) throws AEADBadTagException {
        return Aead.open(blockKey, nonce(segment), aad(context, segment, last), sealed, offset, length);
    }

    /** As {@link #openSegment}, into {@code out} from {@code outOffset}; returns the plaintext's length. */
    public static int openSegmentInto(byte[] blockKey, BlockContext context, int segment, boolean last,
                                      byte[] sealed, int offset, int length, byte[] out, int outOffset)
            throws AEADBadTagException {
        return Aead.openInto(blockKey, nonce(segment), aad(context, segment, last), sealed, offset, length,
                out, outOffset);
    }

    static byte[] nonce(int segment) {
        return ByteBuffer.allocate(Aead.NONCE_BYTES).putInt(Aead.NONCE_BYTES - 4, segment).array();
    }

    static byte[] aad(BlockContext context, int segment, boolean last) {
        return ByteBuffer.allocate(AAD_PREFIX.length + context.vaultId().length + 8 + 8 + 4 + 1)
                .put(AAD_PREFIX).put(context.vaultId())
                .putLong(context.fileId()).putLong(context.blockIndex())
                .putInt(segment).put((byte) (last ? 1 : 0))
                .array();
    }
}
