package dev.coffre.crypto;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;

/**
 * AES-256-GCM through the JDK provider, which is hardware-accelerated on JDK 17 and far faster than a
 * pure-Java implementation. Pure functions: no state but a per-thread {@link Cipher} (creating one costs
 * more than sealing a 64 KiB segment).
 */
public final class Aead {
    public static final int KEY_BYTES = 32;
    public static final int NONCE_BYTES = 12;
    public static final int TAG_BYTES = 16;

    private static final ThreadLocal<Cipher> CIPHERS = ThreadLocal.withInitial(() -> {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JDK", e);
        }
    });

    private Aead() {
    }

    /** Returns ciphertext followed by the 16-byte tag. */
    public static byte[] seal(byte[] key, byte[] nonce, byte[] aad, byte[] plaintext, int offset, int length) {
        byte[] out = new byte[length + TAG_BYTES];
        sealInto(key, nonce, aad, plaintext, offset, length, out, 0);
        return out;
    }

    /**
     * Seals into {@code out} from {@code outOffset} (ciphertext, then the tag: {@code length + TAG_BYTES}
     * bytes), for a caller that puts many sealed pieces in one array; returns the bytes written.
     */
    public static int sealInto(byte[] key, byte[] nonce, byte[] aad, byte[] plaintext, int offset, int length,
                               byte[] out, int outOffset) {
        Cipher cipher = CIPHERS.get();
        try {
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BYTES * 8, nonce));
            cipher.updateAAD(aad);
            return cipher.doFinal(plaintext, offset, length, out, outOffset);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    public static byte[] seal(byte[] key, byte[] nonce, byte[] aad, byte[] plaintext) {
        return seal(key, nonce, aad, plaintext, 0, plaintext.length);
    }

    /**
     * Authenticates and decrypts ciphertext-with-tag; throws {@link AEADBadTagException} when anything
     * (key, nonce, AAD, ciphertext or tag) differs from what was sealed.
     */
    public static byte[] open(byte[] key, byte[] nonce, byte[] aad, byte[] sealed, int offset, int length)
            throws AEADBadTagException {
        byte[] out = new byte[Math.max(0, length - TAG_BYTES)];
        openInto(key, nonce, aad, sealed, offset, length, out, 0);
        return out;
    }

    /**
     * Opens into {@code out} from {@code outOffset} ({@code length - TAG_BYTES} bytes), for a caller that
     * reuses one array; returns the bytes written. On a bad tag nothing of the plaintext counts: what
     * {@code out} holds then is undefined.
     */
    public static int openInto(byte[] key, byte[] nonce, byte[] aad, byte[] sealed, int offset, int length,
                               byte[] out, int outOffset) throws AEADBadTagException {
        if (length < TAG_BYTES) {
            throw new AEADBadTagException("sealed data shorter than its tag");
        }
        Cipher cipher = CIPHERS.get();
        try {
            cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BYTES * 8, nonce));
            cipher.updateAAD(aad);
            return cipher.doFinal(sealed, offset, length, out, outOffset);
        } catch (AEADBadTagException e) {
            throw e;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM decryption failed", e);
        }
    }

    public static byte[] open(byte[] key, byte[] nonce, byte[] aad, byte[] sealed) throws AEADBadTagException {
        return open(key, nonce, aad, sealed, 0, sealed.length);
    }
}
