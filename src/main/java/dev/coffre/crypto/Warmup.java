package dev.coffre.crypto;

/**
 * Runs the segment cipher on throw-away data so that the JIT compiles AES-GCM (and its CPU intrinsics)
 * before the first real reads and writes: a freshly started mount otherwise spends its first hundreds
 * of megabytes in slow, not yet compiled code. Uses a random key that is never kept.
 */
public final class Warmup {
    private static final int ROUNDS = 3000;

    private Warmup() {
    }

    public static void run() {
        byte[] key = new byte[Aead.KEY_BYTES];
        new java.security.SecureRandom().nextBytes(key);
        byte[] plain = new byte[BlockCipher.SEGMENT_SIZE];
        BlockCipher.BlockContext context = new BlockCipher.BlockContext(new byte[16], 0, 0);
        try {
            for (int i = 0; i < ROUNDS; i++) {
                byte[] sealed = BlockCipher.seal(key, context, plain, 0, plain.length);
                BlockCipher.openSegment(key, context, 0, true, sealed, 0, sealed.length);
            }
        } catch (javax.crypto.AEADBadTagException e) {
            throw new IllegalStateException("AES-GCM does not round-trip", e);
        }
    }
}
