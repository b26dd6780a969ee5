package dev.coffre.remote.mega;

import javax.crypto.Cipher;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Locale;

/**
 * Turns an e-mail and password into the password key (which unwraps the master key and never leaves this
 * machine) and the user hash (which the server checks), for both login versions (mega-protocol.md §2.2,
 * §2.3). Pure functions.
 */
public final class PasswordKeys {
    /** The constant prepare_key starts from (v1). */
    private static final byte[] PREPARE_KEY_START = {
            (byte) 0x93, (byte) 0xC4, 0x67, (byte) 0xE3, 0x7D, (byte) 0xB0, (byte) 0xC7, (byte) 0xA4,
            (byte) 0xD1, (byte) 0xBE, 0x3F, (byte) 0x81, 0x01, 0x52, (byte) 0xCB, 0x56};
    private static final int PREPARE_KEY_ROUNDS = 65536;
    private static final int USER_HASH_ROUNDS = 16384;
    private static final int V2_ITERATIONS = 100_000;

    /** The password key and the user hash ({@code uh}) sent to the server. Both are secrets: no toString. */
    public record LoginKey(byte[] passwordKey, String userHash) {
        @Override
        public String toString() {
            return "LoginKey[redacted]";
        }
    }

    private PasswordKeys() {
    }

    /** MEGA lower-cases the e-mail before hashing and sending it. */
    public static String normalizeEmail(String email) {
        return email.trim().toLowerCase(Locale.ROOT);
    }

    /** v1: prepare_key over the webclient's byte form of the password, and the user hash of the e-mail. */
    public static LoginKey v1(String email, char[] password) {
        byte[] pwk = prepareKey(jsStringBytes(password));
        return new LoginKey(pwk, Base64Url.encode(userHash(jsStringBytes(normalizeEmail(email).toCharArray()), pwk)));
    }

    /** v2: PBKDF2-HMAC-SHA512 (100,000 iterations) of the UTF-8 password with the account's salt. */
    public static LoginKey v2(char[] password, byte[] salt) {
        byte[] derived = pbkdf2Sha512(password, salt, V2_ITERATIONS, 32);
        try {
            return new LoginKey(Arrays.copyOfRange(derived, 0, 16), Base64Url.encode(Arrays.copyOfRange(derived, 16, 32)));
        } finally {
            Arrays.fill(derived, (byte) 0);
        }
    }

    /**
     * The webclient's {@code str_to_a32}: each UTF-16 code unit {@code c[i]} is OR-ed into big-endian word
     * {@code i/4} shifted by {@code 24 - 8*(i%4)} in 32-bit arithmetic, so code units above 0xFF spill into
     * the neighbouring bytes exactly as in JavaScript (the official SDK reproduces this; UTF-8 would agree
     * only for ASCII). Returns the words as bytes.
     */
    public static byte[] jsStringBytes(char[] text) {
        int[] words = new int[(text.length + 3) / 4];
        for (int i = 0; i < text.length; i++) {
            words[i >> 2] |= text[i] << (24 - 8 * (i & 3));
        }
        byte[] out = new byte[words.length * 4];
        for (int w = 0; w < words.length; w++) {
            out[4 * w] = (byte) (words[w] >>> 24);
            out[4 * w + 1] = (byte) (words[w] >>> 16);
            out[4 * w + 2] = (byte) (words[w] >>> 8);
            out[4 * w + 3] = (byte) words[w];
        }
        return out;
    }

    /** v1 prepare_key: 65,536 rounds of encrypting the constant under each 16-byte block of the password. */
    public static byte[] prepareKey(byte[] password) {
        int blocks = (password.length + 15) / 16;
        Cipher[] ciphers = new Cipher[blocks];
        try {
            for (int j = 0; j < blocks; j++) {
                byte[] block = Arrays.copyOfRange(password, 16 * j, 16 * j + 16); // zero-padded past the end
                ciphers[j] = Aes128.cipher("AES/ECB/NoPadding");
                ciphers[j].init(Cipher.ENCRYPT_MODE, new SecretKeySpec(block, "AES"));
            }
            byte[] pk = PREPARE_KEY_START.clone();
            for (int round = 0; round < PREPARE_KEY_ROUNDS; round++) {
                for (Cipher cipher : ciphers) {
                    cipher.doFinal(pk, 0, 16, pk, 0);
                }
            }
            return pk;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES failed", e);
        }
    }

    /**
     * v1 stringhash: the XOR of the zero-padded 16-byte blocks of {@code emailBytes}, encrypted 16,384 times
     * under the password key; returns bytes 0..3 and 8..11.
     */
    public static byte[] userHash(byte[] emailBytes, byte[] passwordKey) {
        byte[] h = new byte[16];
        for (int i = 0; i < emailBytes.length; i++) {
            h[i & 15] ^= emailBytes[i];
        }
        Cipher cipher = Aes128.cipher("AES/ECB/NoPadding");
        try {
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(passwordKey, "AES"));
            for (int round = 0; round < USER_HASH_ROUNDS; round++) {
                cipher.doFinal(h, 0, 16, h, 0);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES failed", e);
        }
        byte[] out = new byte[8];
        System.arraycopy(h, 0, out, 0, 4);
        System.arraycopy(h, 8, out, 4, 4);
        return out;
    }

    static byte[] pbkdf2Sha512(char[] password, byte[] salt, int iterations, int bytes) {
        // The JDK's PBKDF2 encodes the password characters as UTF-8, which is what MEGA hashes.
        PBEKeySpec spec = new PBEKeySpec(password, salt, iterations, bytes * 8);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA512").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2-HMAC-SHA512 is not available in this JDK", e);
        } finally {
            spec.clearPassword();
        }
    }
}
