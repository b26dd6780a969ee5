package dev.coffre.remote.mega;

import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;

/**
 * The AES-128 modes MEGA uses, through the JDK provider: ECB (independent blocks, for key wrapping),
 * CBC with an all-zero IV and no padding ("CBC0", for attributes) and CBC-MAC. Pure functions: the only
 * state is a per-thread {@link Cipher} per mode, because creating one costs more than using it.
 */
public final class Aes128 {
    public static final int BLOCK = 16;
    static final byte[] ZERO_IV = new byte[BLOCK];

    private static final ThreadLocal<Cipher> ECB = ThreadLocal.withInitial(() -> cipher("AES/ECB/NoPadding"));
    private static final ThreadLocal<Cipher> CBC = ThreadLocal.withInitial(() -> cipher("AES/CBC/NoPadding"));

    private Aes128() {
    }

    public static byte[] encryptEcb(byte[] key, byte[] data) {
        return run(ECB.get(), Cipher.ENCRYPT_MODE, key, null, data, 0, data.length);
    }

    public static byte[] decryptEcb(byte[] key, byte[] data) {
        return run(ECB.get(), Cipher.DECRYPT_MODE, key, null, data, 0, data.length);
    }

    public static byte[] encryptCbc0(byte[] key, byte[] data) {
        return run(CBC.get(), Cipher.ENCRYPT_MODE, key, ZERO_IV, data, 0, data.length);
    }

    public static byte[] decryptCbc0(byte[] key, byte[] data) {
        return run(CBC.get(), Cipher.DECRYPT_MODE, key, ZERO_IV, data, 0, data.length);
    }

    /**
     * CBC-MAC: the last block of the CBC encryption of {@code data[offset, offset+length)} under {@code iv},
     * the final partial block zero-padded. An empty input gives the IV itself (no block was chained).
     */
    public static byte[] cbcMac(byte[] key, byte[] iv, byte[] data, int offset, int length) {
        if (length == 0) {
            return iv.clone();
        }
        Cipher cipher = CBC.get();
        try {
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(iv));
            int whole = length - length % BLOCK;
            byte[] out = new byte[Math.max(whole, BLOCK)];
            int produced = whole == 0 ? 0 : cipher.update(data, offset, whole, out, 0);
            byte[] last = null;
            if (whole < length) {
                byte[] padded = new byte[BLOCK];
                System.arraycopy(data, offset + whole, padded, 0, length - whole);
                last = cipher.doFinal(padded);
            } else {
                cipher.doFinal();
            }
            if (last != null) {
                return last;
            }
            byte[] mac = new byte[BLOCK];
            System.arraycopy(out, produced - BLOCK, mac, 0, BLOCK);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-CBC failed", e);
        }
    }

    private static byte[] run(Cipher cipher, int mode, byte[] key, byte[] iv, byte[] data, int offset, int length) {
        if (length % BLOCK != 0) {
            throw new IllegalArgumentException("AES input must be whole 16-byte blocks, got " + length + " bytes");
        }
        try {
            if (iv == null) {
                cipher.init(mode, new SecretKeySpec(key, "AES"));
            } else {
                cipher.init(mode, new SecretKeySpec(key, "AES"), new IvParameterSpec(iv));
            }
            return cipher.doFinal(data, offset, length);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES failed", e);
        }
    }

    static Cipher cipher(String transformation) {
        try {
            return Cipher.getInstance(transformation);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(transformation + " is not available in this JDK", e);
        }
    }

    static byte[] xor(byte[] a, byte[] b) {
        byte[] out = new byte[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = (byte) (a[i] ^ b[i]);
        }
        return out;
    }

    static boolean isAllZero(byte[] bytes) {
        int acc = 0;
        for (byte b : bytes) {
            acc |= b;
        }
        return acc == 0;
    }
}
