package dev.coffre.remote.mega;

import java.util.Arrays;

/**
 * A file's key material: the AES-128 key, the 8-byte CTR nonce and the 8-byte condensed MAC of the
 * content. MEGA stores and shares it "obfuscated" as 32 bytes, {@code aesKey XOR (nonce||metaMac)},
 * then nonce, then metaMac (mega-protocol.md §3.2). Secret: no toString of its bytes.
 */
public final class FileKey {
    public static final int PACKED_BYTES = 32;

    private final byte[] aesKey;
    private final byte[] nonce;
    private final byte[] metaMac;

    public FileKey(byte[] aesKey, byte[] nonce, byte[] metaMac) {
        if (aesKey.length != 16 || nonce.length != 8 || metaMac.length != 8) {
            throw new IllegalArgumentException("a file key is 16 + 8 + 8 bytes");
        }
        this.aesKey = aesKey.clone();
        this.nonce = nonce.clone();
        this.metaMac = metaMac.clone();
    }

    public static FileKey unpack(byte[] packed) {
        if (packed.length != PACKED_BYTES) {
            throw new IllegalArgumentException("a packed file key is 32 bytes, got " + packed.length);
        }
        byte[] low = Arrays.copyOfRange(packed, 0, 16);
        byte[] high = Arrays.copyOfRange(packed, 16, 32);
        return new FileKey(Aes128.xor(low, high), Arrays.copyOfRange(packed, 16, 24), Arrays.copyOfRange(packed, 24, 32));
    }

    public byte[] pack() {
        byte[] packed = new byte[PACKED_BYTES];
        byte[] high = new byte[16];
        System.arraycopy(nonce, 0, high, 0, 8);
        System.arraycopy(metaMac, 0, high, 8, 8);
        System.arraycopy(Aes128.xor(aesKey, high), 0, packed, 0, 16);
        System.arraycopy(high, 0, packed, 16, 16);
        return packed;
    }

    /**
     * True when the AES key is all zeros, which is what a key whose two packed halves are equal gives: the
     * pattern of the published integrity attack on MEGA (a server that knows one ECB pair under the master
     * key can plant it). Such keys are refused on read and never generated.
     */
    public boolean isZeroKey() {
        return Aes128.isAllZero(aesKey);
    }

    public byte[] aesKey() {
        return aesKey.clone();
    }

    public byte[] nonce() {
        return nonce.clone();
    }

    public byte[] metaMac() {
        return metaMac.clone();
    }

    @Override
    public String toString() {
        return "FileKey[redacted]";
    }
}
