package dev.coffre.crypto;

/**
 * Runs the segment cipher on throw-away data so that the JIT compiles AES-GCM (and its CPU intrinsics)
 * before the first real reads and writes: a freshly started mount otherwise spends its first hundreds
 * of megabytes in slow, not yet compiled code. Uses a random key that is never kept.
 *
 * <p>Many small calls, not a few large ones: the JIT compiles a method, and switches GHASH and AES-CTR to
 * their CPU intrinsics, after it has been called often enough, whatever each call's size. 20,000 calls
 * on 64 bytes take ~0.3 s and make the first 64 KiB segments decrypt at ~1.5 GB/s instead of ~0.2 GB/s
 * (measured on JDK 17; 3,000 calls on 64 KiB took seconds and did not get there).
 *
 * <p>The calls also take every shape real traffic has: empty and unaligned plaintexts, final and other
 * segments, and now and then a plaintext over 64 KiB (the tree's snapshot is one; the JDK cuts such inputs
 * in pieces). The compiled code leaves out every branch the warm-up never took, and the first real call
 * that takes one throws that code away: when the mount opened a vault with a large snapshot, GHASH was back
 * in plain Java for the first ~2 s of reads, at a tenth of the speed, until the JIT compiled it again.
 */
public final class Warmup {
    private static final int ROUNDS = 20_000;
    /** One call in this many seals and opens a plaintext over the JDK's 64 KiB threshold. */
    private static final int LARGE_EVERY = 256;
    private static final int LARGE_BYTES = BlockCipher.SEGMENT_SIZE + 17;
    /** Small plaintexts cycle through these lengths: 16-byte aligned, empty, unaligned. */
    private static final int[] SMALL_BYTES = {64, 0, 64, 33};

    private Warmup() {
    }

    /** Throws if AES-GCM does not round-trip, which would mean a broken JDK provider. */
    public static void run() {
        byte[] contentKey = new byte[Aead.KEY_BYTES];
        new java.security.SecureRandom().nextBytes(contentKey);
        byte[] plain = new byte[LARGE_BYTES];
        byte[] blockId = new byte[BlockCipher.BLOCK_ID_BYTES];
        BlockCipher.BlockContext context = new BlockCipher.BlockContext(new byte[16], 0, 0);
        try {
            for (int i = 0; i < ROUNDS; i++) {
                // A key per round, as real blocks have: the JDK refuses to seal twice with one key and nonce.
                java.nio.ByteBuffer.wrap(blockId).putInt(0, i);
                byte[] key = BlockCipher.blockKey(contentKey, blockId);
                // Sealed as one piece, as records are (a block's segments are never over 64 KiB or empty).
                byte[] nonce = BlockCipher.nonce(0);
                byte[] aad = BlockCipher.aad(context, 0, isLastSegment(i));
                byte[] sealed = Aead.seal(key, nonce, aad, plain, 0, plaintextLength(i));
                Aead.open(key, nonce, aad, sealed, 0, sealed.length);
            }
        } catch (javax.crypto.AEADBadTagException e) {
            throw new IllegalStateException("AES-GCM does not round-trip", e);
        }
    }

    static int rounds() {
        return ROUNDS;
    }

    static int plaintextLength(int round) {
        return round % LARGE_EVERY == LARGE_EVERY - 1 ? LARGE_BYTES : SMALL_BYTES[round % SMALL_BYTES.length];
    }

    /** Flips every four rounds, so that each small length is sealed both as a final segment and not. */
    static boolean isLastSegment(int round) {
        return (round & 4) == 0;
    }
}
