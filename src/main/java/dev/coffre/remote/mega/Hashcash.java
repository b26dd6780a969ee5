package dev.coffre.remote.mega;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * MEGA's proof of work (mega-protocol.md §1.5): an HTTP 402 carries {@code X-Hashcash: 1:E:TS:TOKEN}; the
 * client finds a 4-byte prefix such that SHA-256(prefix || TOKEN × 262144) starts with a 32-bit
 * big-endian number at or below a threshold derived from the easiness E, and resends the request with
 * {@code X-Hashcash: 1:TOKEN:base64url(prefix)}.
 */
public final class Hashcash {
    static final int TOKEN_BYTES = 48;
    static final int REPEATS = 262_144;

    private Hashcash() {
    }

    /** The threshold for easiness {@code e} (0..255): higher easiness, larger threshold, fewer tries. */
    public static long threshold(int easiness) {
        return (long) (((easiness & 63) << 1) + 1) << ((easiness >> 6) * 7 + 3);
    }

    /** Solves a challenge header and returns the header value to resend with. */
    public static String solve(String challenge) throws java.io.InterruptedIOException {
        String[] parts = challenge.trim().split(":");
        if (parts.length != 4 || !parts[0].equals("1")) {
            throw new IllegalArgumentException("unsupported hashcash challenge version");
        }
        int easiness = Integer.parseInt(parts[1]);
        if (easiness < 0 || easiness > 255) {
            throw new IllegalArgumentException("hashcash easiness out of range");
        }
        String token = parts[3];
        byte[] tokenBytes = Base64Url.decode(token);
        if (tokenBytes.length != TOKEN_BYTES) {
            throw new IllegalArgumentException("hashcash token is " + tokenBytes.length + " bytes, not " + TOKEN_BYTES);
        }
        byte[] prefix = findPrefix(tokenBytes, threshold(easiness));
        return "1:" + token + ":" + Base64Url.encode(prefix);
    }

    static byte[] findPrefix(byte[] token, long threshold) throws java.io.InterruptedIOException {
        byte[] buffer = new byte[4 + REPEATS * TOKEN_BYTES];
        for (int i = 0; i < REPEATS; i++) {
            System.arraycopy(token, 0, buffer, 4 + i * TOKEN_BYTES, TOKEN_BYTES);
        }
        MessageDigest sha256 = sha256();
        while (true) {
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while solving a MEGA hashcash challenge");
            }
            byte[] digest = sha256.digest(buffer);
            long head = ((digest[0] & 0xFFL) << 24) | ((digest[1] & 0xFFL) << 16) | ((digest[2] & 0xFFL) << 8) | (digest[3] & 0xFFL);
            if (head <= threshold) {
                return java.util.Arrays.copyOf(buffer, 4);
            }
            // The prefix is a little-endian counter: byte 0 first, carrying into the next.
            for (int j = 0; j < 4 && ++buffer[j] == 0; j++) {
                // carry
            }
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JDK", e);
        }
    }
}
