package dev.coffre.remote.mega;

import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;

/**
 * File content encryption: AES-128-CTR whose counter block for byte offset {@code o} is
 * {@code nonce || uint64_be(o / 16)}, incremented as one 128-bit big-endian number, which is what the
 * JDK's CTR mode does (mega-protocol.md §4.3). Encryption and decryption are the same operation, and any
 * offset can be started at. Pure function with a per-thread {@link Cipher}.
 */
public final class FileCipher {
    private static final ThreadLocal<Cipher> CTR = ThreadLocal.withInitial(() -> Aes128.cipher("AES/CTR/NoPadding"));

    private FileCipher() {
    }

    /** XORs the keystream for file offset {@code fileOffset} into {@code data[offset, offset+length)}, in place. */
    public static void apply(byte[] aesKey, byte[] nonce, long fileOffset, byte[] data, int offset, int length) {
        if (fileOffset < 0) {
            throw new IllegalArgumentException("negative file offset");
        }
        byte[] counter = new byte[16];
        System.arraycopy(nonce, 0, counter, 0, 8);
        long block = fileOffset >>> 4;
        for (int i = 0; i < 8; i++) {
            counter[15 - i] = (byte) (block >>> (8 * i));
        }
        Cipher cipher = CTR.get();
        try {
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(aesKey, "AES"), new IvParameterSpec(counter));
            int skip = (int) (fileOffset & 15);
            if (skip > 0) {
                cipher.update(new byte[skip]); // discard the keystream before the offset inside its block
            }
            if (length > 0) {
                cipher.update(data, offset, length, data, offset);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-CTR failed", e);
        }
    }

    public static void apply(FileKey key, long fileOffset, byte[] data, int offset, int length) {
        apply(key.aesKey(), key.nonce(), fileOffset, data, offset, length);
    }
}
