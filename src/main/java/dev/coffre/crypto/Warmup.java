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
 */
public final class Warmup {
    private static final int ROUNDS = 20_000;

    private Warmup() {
    }

    /** Throws if AES-GCM does not round-trip, which would mean a broken JDK provider. */
    public static void run() {
        byte[] contentKey = new byte[Aead.KEY_BYTES];
        new java.security.SecureRandom().nextBytes(contentKey);
        byte[] plain = new byte[64];
        byte[] blockId = new byte[BlockCipher.BLOCK_ID_BYTES];
        BlockCipher.BlockContext context = new BlockCipher.BlockContext(new byte[16], 0, 0);
        try {
            for (int i = 0; i < ROUNDS; i++) {
                // A key per round, as real blocks have: the JDK refuses to seal twice with one key and nonce.
                java.nio.ByteBuffer.wrap(blockId).putInt(0, i);
                byte[] key = BlockCipher.blockKey(contentKey, blockId);
                byte[] sealed = BlockCipher.seal(key, context, plain, 0, plain.length);
                BlockCipher.openSegment(key, context, 0, true, sealed, 0, sealed.length);
            }
        } catch (javax.crypto.AEADBadTagException e) {
            throw new IllegalStateException("AES-GCM does not round-trip", e);
        }
    }
}
