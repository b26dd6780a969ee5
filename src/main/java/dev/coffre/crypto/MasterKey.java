package dev.coffre.crypto;

import javax.crypto.AEADBadTagException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The vault's 256-bit master key and the sub-keys derived from it. The master key is stored only wrapped
 * (AES-256-GCM) under a key-encryption key that Argon2id derives from the password; changing the password
 * rewraps it and touches nothing else.
 */
public final class MasterKey implements AutoCloseable {
    private static final byte[] WRAP_LABEL = "coffre master key v1".getBytes(StandardCharsets.US_ASCII);

    private final byte[] metadataKey;
    private final byte[] contentKey;
    private final byte[] raw;

    private MasterKey(byte[] raw, byte[] vaultId) {
        this.raw = raw;
        this.metadataKey = Kdf.hkdfSha256(raw, vaultId, "coffre metadata key v1", Aead.KEY_BYTES);
        this.contentKey = Kdf.hkdfSha256(raw, vaultId, "coffre content key v1", Aead.KEY_BYTES);
    }

    public static MasterKey of(byte[] raw, byte[] vaultId) {
        if (raw.length != Aead.KEY_BYTES) {
            throw new IllegalArgumentException("master key must be 32 bytes");
        }
        return new MasterKey(raw.clone(), vaultId);
    }

    /** Wraps the master key: nonce || ciphertext || tag, bound to the vault id. */
    public byte[] wrap(byte[] keyEncryptionKey, byte[] vaultId, byte[] nonce) {
        byte[] sealed = Aead.seal(keyEncryptionKey, nonce, wrapAad(vaultId), raw);
        return ByteBuffer.allocate(nonce.length + sealed.length).put(nonce).put(sealed).array();
    }

    /** Unwraps; {@link AEADBadTagException} means a wrong password or an altered header. */
    public static MasterKey unwrap(byte[] keyEncryptionKey, byte[] vaultId, byte[] wrapped)
            throws AEADBadTagException {
        if (wrapped.length != Aead.NONCE_BYTES + Aead.KEY_BYTES + Aead.TAG_BYTES) {
            throw new AEADBadTagException("wrapped key has the wrong length");
        }
        byte[] nonce = Arrays.copyOf(wrapped, Aead.NONCE_BYTES);
        byte[] raw = Aead.open(keyEncryptionKey, nonce, wrapAad(vaultId), wrapped,
                Aead.NONCE_BYTES, wrapped.length - Aead.NONCE_BYTES);
        try {
            return of(raw, vaultId);
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    public byte[] metadataKey() {
        return metadataKey;
    }

    public byte[] contentKey() {
        return contentKey;
    }

    private static byte[] wrapAad(byte[] vaultId) {
        return ByteBuffer.allocate(WRAP_LABEL.length + vaultId.length).put(WRAP_LABEL).put(vaultId).array();
    }

    @Override
    public void close() {
        Arrays.fill(raw, (byte) 0);
        Arrays.fill(metadataKey, (byte) 0);
        Arrays.fill(contentKey, (byte) 0);
    }
}
