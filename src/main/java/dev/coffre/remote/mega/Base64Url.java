package dev.coffre.remote.mega;

import java.util.Base64;

/**
 * MEGA's base64: the URL-safe alphabet without padding. Decoding also accepts the standard alphabet
 * ({@code +}, {@code /}), padding and commas, because real data contains them (a webclient-written
 * fingerprint uses {@code +}; one public client strips commas). Error messages never echo the input:
 * it is often a key.
 */
public final class Base64Url {
    private Base64Url() {
    }

    public static String encode(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    public static byte[] decode(String text) {
        StringBuilder clean = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '+' -> clean.append('-');
                case '/' -> clean.append('_');
                case '=', ',' -> {
                    // padding and separators carry no bits
                }
                default -> clean.append(c);
            }
        }
        try {
            return Base64.getUrlDecoder().decode(clean.toString());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not valid MEGA base64 (" + text.length() + " characters)");
        }
    }
}
