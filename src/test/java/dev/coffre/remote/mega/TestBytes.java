package dev.coffre.remote.mega;

import java.security.MessageDigest;
import java.util.HexFormat;

/** Helpers shared by the MEGA tests. */
final class TestBytes {
    private TestBytes() {
    }

    /** megajs's testBuffer: {@code byte[i] = (start + i*step) mod 255} (255, not 256). */
    static byte[] tb(int length, int start, int step) {
        byte[] out = new byte[length];
        for (int i = 0; i < length; i++) {
            out[i] = (byte) ((start + (long) i * step) % 255);
        }
        return out;
    }

    static byte[] tb(int length) {
        return tb(length, 0, 1);
    }

    static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex);
    }

    static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    static String sha1(byte[] data) throws Exception {
        return hex(MessageDigest.getInstance("SHA-1").digest(data));
    }

    static String sha256(byte[] data) throws Exception {
        return hex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
